"""Regenerate miner/segment/data/first_names.txt, common_words.txt and not_names.txt, the name pre-filter's lists
(miner/segment/namefilter.py), from the Faker package (MIT licence; its notice is kept in each file's header).

    pip download faker==40.54.0 --no-deps -d /tmp/faker && unzip -q /tmp/faker/*.whl -d /tmp/faker/w
    python bench/name_lists.py /tmp/faker/w

First names: the weighted male and female lists of Faker's English-speaking locales (the common names of each
country, not the long census lists, which hold "Delta", "London" and "Denver"), plus SHORT_FORMS below, written by
the team. Common words: Faker's English lorem word list (about a thousand everyday words). Not names: capitalised
words that are places, days or interjections, which NER would otherwise read as unknown words: Faker's countries,
US, Australian and Indian states, Canadian provinces, British and Irish counties; the cities of
the IANA time-zone names (Python's `zoneinfo`, public domain); and the team-written words below (weekdays, months,
holidays, interjections, regions, demonyms, large cities). A word that is a given name in any Faker locale
("Pierre", "Orlando") or one of the common surnames of its English-speaking ones ("Jackson", "Washington") is left
out, so it stays a candidate. Names that are words: the given names and surnames of every Faker locale that the spaCy
model's word list (its lemmatizer tables) holds ("Basil", "Rod", "Ladd"), which NER's PERSON keeps."""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

FAKER_VERSION = "40.54.0"
LOCALES = ("en_US", "en_GB", "en_IE", "en_IN", "en_NZ", "en_PK", "en_NG", "en_KE")
# Diminutives the census-style lists lack; team-written.
SHORT_FORMS = (
    "abi al alf andy barb bea bec ben bert bex cal cass chas chris dan dani dave deb di dom don ed eddie em "
    "fi flo fred freddie gabe gill gus hal jake jan jen jenn jess jim jo joe jon jonny kat kath kev kit "
    "les lex liz lou mags matt max meg mel mick mike mo nat ned nick nik nico ollie pam pat pete phil pip rach "
    "rob ron ronnie ros sal sam sid stu sue suzy ted tess theo tim toby tom tony val vic viv will zach"
).split()
# Capitalised words that are no person's name, team-written: general knowledge, not read from any dataset.
NOT_NAMES = (
    # days, months, holidays (April, May, June and August are given names and stay candidates)
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun "
    "mondays tuesdays wednesdays thursdays fridays saturdays sundays weekends "
    "january february march september october november december jan feb mar apr jun jul aug sep sept oct nov dec "
    "christmas xmas easter thanksgiving halloween hanukkah diwali ramadan eid passover boxing "
    # interjections and sign-offs that open a sentence capitalised
    "hi hello hey hiya howdy oh ohh ooh wow whoa ugh argh omg lol lmao smh ok okay yes yeah yep yup nope nah "
    "yay hooray hmm hmmm um umm aww oops ha haha hehe meh thanks thx ty cheers bye goodbye sorry please pls plz "
    "dear regards sincerely kudos bravo congrats congratulations fyi asap btw imo tbh wtf "
    # platforms a customer says they wrote on or saw an ad on
    "instagram facebook twitter whatsapp tiktok youtube snapchat linkedin trustpilot google "
    # regions, demonyms and languages
    "europe asia africa america americas antarctica oceania caribbean scandinavia mideast eu uk usa "
    "european asian african american americans canadian mexican british english scottish welsh irish french "
    "german italian spanish portuguese dutch swiss swedish norwegian danish finnish polish russian ukrainian "
    "greek turkish indian pakistani chinese japanese korean thai vietnamese filipino australian kiwi brazilian "
    "argentinian colombian peruvian chilean cuban jamaican nigerian kenyan egyptian israeli arab arabic "
    "hawaiian texan californian floridian londoner"
    # large cities the time-zone names and Faker's lists lack
    " atlanta boston dallas houston miami orlando seattle portland philadelphia pittsburgh baltimore cleveland "
    "cincinnati columbus indianapolis milwaukee minneapolis nashville memphis charlotte raleigh tampa jacksonville "
    "sacramento oakland fresno tucson albuquerque omaha tulsa wichita kansas louisville richmond norfolk buffalo "
    "rochester hartford providence newark brooklyn manhattan queens bronx vegas reno austin antonio diego jose "
    "francisco angeles orleans lauderdale baton rouge salt lake raleigh durham spokane boise anchorage honolulu "
    "maui oahu kona burbank ontario westchester laguardia heathrow gatwick stansted luton manchester birmingham "
    "liverpool leeds glasgow edinburgh bristol cardiff belfast newcastle sheffield nottingham southampton "
    "aberdeen cork galway shannon toronto montreal vancouver calgary ottawa edmonton winnipeg quebec halifax "
    "paris lyon nice marseille barcelona madrid seville malaga ibiza lisbon porto rome milan venice florence "
    "naples amsterdam brussels frankfurt munich berlin hamburg zurich geneva vienna prague budapest warsaw "
    "copenhagen stockholm oslo helsinki reykjavik athens istanbul dubai doha cairo johannesburg nairobi lagos "
    "mumbai delhi bangalore chennai hyderabad kolkata tokyo osaka seoul beijing shanghai taipei bangkok hanoi "
    "singapore manila jakarta bali sydney melbourne brisbane perth auckland wellington cancun tijuana "
    "havana lima bogota santiago aires paulo rio"
).split()
# Places of the lists above that are given names or surnames too, seen by the team reading the list.
ALSO_NAMES = ("beulah", "rankin", "salem", "starke")
OUT = Path(__file__).resolve().parent.parent / "miner" / "segment" / "data"
HEADER = (
    "# {what}, one a line, lower case. Generated by bench/name_lists.py from Faker {version}\n"
    "# (https://github.com/joke2k/faker), Copyright (c) 2012 Daniele Faraglia, under the MIT licence:\n"
    "# its notice is LICENSE-faker.txt beside this file.\n"
)


def _words(values: object) -> set[str]:
    return {str(v).lower() for v in values} if isinstance(values, dict | list | tuple) else set()


def first_names() -> list[str]:
    names = set(SHORT_FORMS)
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in ("first_names_male", "first_names_female"):
            names |= _words(getattr(provider, attr, None))
    return sorted(n for n in names if re.fullmatch(r"[a-z]+", n))


def common_words() -> list[str]:
    from faker.providers.lorem.en_US import Provider

    return sorted(w for w in set(Provider.word_list) if re.fullmatch(r"[a-z]+", w))


def _surnames() -> set[str]:
    names: set[str] = set()
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        names |= _words(getattr(provider, "last_names", None))
    return names


def not_names() -> list[str]:
    """Capitalised words that are places, days or interjections, never a given name or a common surname."""
    import zoneinfo

    places: list[str] = list(importlib.import_module("faker.providers.address.en").Provider.countries)
    for locale, attrs in (("en_US", ("states",)), ("en_AU", ("states",)), ("en_CA", ("provinces",)),
                          ("en_GB", ("counties",)), ("en_IE", ("counties",)), ("en_IN", ("states",))):  # fmt: skip
        provider = importlib.import_module(f"faker.providers.address.{locale}").Provider
        for attr in attrs:
            places += list(getattr(provider, attr))
    places += [zone.rsplit("/", 1)[-1] for zone in zoneinfo.available_timezones() if "/" in zone]
    words = {w.lower() for place in places for w in re.split(r"[\s_()\-.,']+", place)} | set(NOT_NAMES)
    keep = {w for w in words if re.fullmatch(r"[a-z]{2,}", w)}
    names = set(first_names()) | _surnames() | _given_names_elsewhere() | set(ALSO_NAMES)
    return sorted(keep - names - set(common_words()) - _stop_words())


def _given_names_elsewhere() -> set[str]:
    """The given names of every other Faker locale ("Pierre", "Santiago", "Milan"), but not the English census
    lists, which hold "Texas" and "January"."""
    import pkgutil

    import faker.providers.person

    names: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        if module.name in ("en", "en_US"):
            continue
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names |= _words(getattr(provider, attr, None))
    return names


def word_names() -> list[str]:
    """Given names and surnames of every Faker locale that are English words too (the spaCy model's word list):
    NER's PERSON on one of them is kept (namefilter.plain_word)."""
    import pkgutil

    import faker.providers.person

    from miner.segment.namefilter import _forms, english_words
    from miner.segment.segmenter import load_spacy

    names: set[str] = set()
    for module in pkgutil.iter_modules(faker.providers.person.__path__):
        provider = importlib.import_module(f"faker.providers.person.{module.name}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female", "last_names"):
            names |= _words(getattr(provider, attr, None))
    words = english_words(str(load_spacy().path))
    return sorted(n for n in names if re.fullmatch(r"[a-z]+", n) and _forms(n) & words)


def _stop_words() -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return set(STOP_WORDS)


def main(faker_dir: str) -> None:
    sys.path.insert(0, faker_dir)
    for name, what, words in (
        ("first_names.txt", "Given names", first_names()),
        ("common_words.txt", "Common English words", common_words()),
        ("not_names.txt", "Capitalised words that are no name (places, days, interjections)", not_names()),  # fmt: skip
        ("word_names.txt", "Names that are English words too (the spaCy model's word list)", word_names()),  # fmt: skip
    ):
        text = HEADER.format(what=what, version=FAKER_VERSION) + "\n".join(words) + "\n"
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"{name}: {len(words)} words")


if __name__ == "__main__":
    main(sys.argv[1])
