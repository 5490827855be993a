"""Who speaks in a transcript: the labels contact-centre tools and speech-to-text vendors write. Only the customer's
turns are mined, so an agent, bot or system line read as the customer's puts the company's words in the report."""

from __future__ import annotations

from miner.ingest import read_file
from miner.ingest.transcripts import parse_transcript, speaker_role


def _sides(text: str) -> list[tuple[str, str]]:
    return [(t.speaker, t.text) for t in parse_transcript(text) or []]


def test_numbered_agents_system_lines_and_customer_service_are_not_the_customer():
    text = (
        "Customer: I was on hold for 45 minutes and then the call dropped.\n"
        "agent_123: our checkout website has been crashing all week.\n"
        "System: Agent transferred you because the mobile app login is broken\n"
        "Customer Service: Our driver damaged your fridge.\n"
        "End user: I spent an hour in the phone queue.\n"
        "Support ticket: was never answered\n"  # the customer's line goes on: not a speaker called "Support ticket"
        "Agent Lisa: I am sorry.\n"
        "Customer Sarah: no refund yet\n"
    )
    assert _sides(text) == [
        ("customer", "I was on hold for 45 minutes and then the call dropped."),
        ("agent", "our checkout website has been crashing all week."),
        ("agent", "Agent transferred you because the mobile app login is broken"),
        ("agent", "Our driver damaged your fridge."),
        ("customer", "I spent an hour in the phone queue. Support ticket: was never answered"),
        ("agent", "I am sorry."),
        ("customer", "no refund yet"),
    ]
    assert [speaker_role(s) for s in ("Agent 7", "cust_9", "Virtual Assistant", "Speaker 2", "Foo")] == [
        "agent", "customer", "agent", "generic", None,
    ]  # fmt: skip


def test_stamped_lines_from_whatsapp_and_chat_logs_are_turns():
    text = (
        "01/03/2026, 10:02 - Customer: The parcel never came.\n"
        "[03/01/2026 10:03] Agent: Let me check.\n"
        "(10:04) Customer: It has been two weeks.\n"
    )
    assert [s for s, _ in _sides(text)] == ["customer", "agent", "customer"]


def test_numbered_speakers_are_told_apart_by_what_agents_say():
    call = "Speaker 1: My bill is wrong again.\nSpeaker 2: Thank you for calling Acme, how can I help?\n"
    assert _sides(call) == [
        ("customer", "My bill is wrong again."),
        ("agent", "Thank you for calling Acme, how can I help?"),
    ]
    # nothing an agent says: the first to speak answers the call
    plain = "spk_0: Billing, go ahead.\nspk_1: I was charged twice.\nspk_0: Let me look.\n"
    assert [s for s, _ in _sides(plain)] == ["agent", "customer", "agent"]


def test_a_chat_log_stamped_with_its_date_is_dated(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("[2026-03-01 10:10] Customer: The app crashed at checkout.\n[2026-03-01 10:12] Agent: Sorry.\n")
    [rec] = read_file(path)
    assert rec.kind == "transcript" and rec.date == "2026-03-01T10:10:00"


def test_a_message_per_row_export_with_numbered_agents_and_system_rows(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text(
        "conversation_id,timestamp,speaker,message\n"
        "c1,2026-03-04T09:00:00Z,System,Conversation assigned to queue Billing\n"
        "c1,2026-03-04T09:01:00Z,End user,I was cut off after an hour in the queue.\n"
        "c1,2026-03-04T09:02:00Z,agent_123,Sorry about that.\n"
        "c2,2026-03-04T10:00:00Z,End user,My refund never arrived.\n"
        "c2,2026-03-04T10:01:00Z,agent_77,I will check.\n",
        encoding="utf-8",
    )
    recs = read_file(path)
    assert [(r.source_id, r.kind) for r in recs] == [("c1", "transcript"), ("c2", "transcript")]
    assert [t.text for t in recs[0].turns if t.speaker == "customer"] == ["I was cut off after an hour in the queue."]


def test_a_list_of_messages_is_one_transcript(tmp_path):
    """Amazon Connect's Contact Lens output (one contact a file, `Transcript` of `ParticipantId` and `Content`) was
    read as one review per utterance, the agent's "the courier also lost your parcel" quoted as a complaint; a JSONL
    line with a `turns` or `messages` list was one review holding the list."""
    import json

    contact = {
        "Channel": "VOICE",
        "CustomerMetadata": {"ContactId": "c-0001"},
        "Participants": [{"ParticipantId": "AGENT"}, {"ParticipantId": "CUSTOMER"}],
        "Transcript": [
            {"ParticipantId": "AGENT", "Content": "Thank you for calling, how can I help?"},
            {"ParticipantId": "CUSTOMER", "Content": "My parcel never arrived and nobody called me back."},
            {"ParticipantId": "AGENT", "Content": "I'm sorry, the courier also lost your parcel."},
        ],
    }
    (tmp_path / "contact.json").write_text(json.dumps(contact), encoding="utf-8")
    [rec] = read_file(tmp_path / "contact.json")
    assert (rec.source_id, rec.kind) == ("c-0001", "transcript")
    assert [t.text for t in rec.turns if t.speaker == "customer"] == [
        "My parcel never arrived and nobody called me back."
    ]
    lines = [
        {"id": "t1", "created_at": "2026-03-02T10:00:00",
         "turns": [{"speaker": "Speaker 1", "text": "Thanks for calling Acme, how can I help?"},
                   {"speaker": "Speaker 2", "text": "I was charged twice this month."}]},
        {"id": "t2", "messages": [{"role": "user", "content": "The app crashes at login."},
                                  {"role": "assistant", "content": "Sorry to hear that."}]},
    ]  # fmt: skip
    (tmp_path / "chats.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    recs = read_file(tmp_path / "chats.jsonl")
    assert [r.kind for r in recs] == ["transcript", "transcript"] and recs[0].date == "2026-03-02T10:00:00"
    assert [[t.text for t in r.turns if t.speaker == "customer"] for r in recs] == [
        ["I was charged twice this month."], ["The app crashes at login."],
    ]  # fmt: skip


def test_an_agents_last_words_give_the_outcome_and_what_is_not_happening_counts_for_neither():
    """81 of 155 chats had the wrong outcome: an approved refund "within 5 working days" was escalated, "credited £20
    to your account" none, "no need to escalate" escalated, "this isn't resolved yet" resolved."""
    from miner.ingest.records import Turn
    from miner.ingest.transcripts import outcome

    said = {
        "Your refund of £17 has been approved and will reach your bank within 5 working days.": "resolved",
        "I've credited £20 to your account for the trouble.": "resolved",
        "There's no need to escalate this, I've fixed it on my side.": "resolved",
        "I can't transfer you to a manager, sorry.": None,
        "I'm afraid this isn't resolved yet, we are still looking.": None,
        "I have escalated this to our specialist team.": "escalated",
    }
    assert {text: outcome([Turn("agent", text)]) for text in said} == said


def test_platform_and_diarised_speaker_labels_join_a_row_per_utterance(tmp_path):
    """A Genesys utterance export (participantPurpose external/internal, startTime) and a diarised one (spk_0/spk_1,
    call_start) kept each call's first row, the agent's greeting, and dropped the rest as repeated ids, undated.
    Diarisation numbers speakers as they speak: spk_1 is the agent of the second call, which the agent rings."""
    genesys = tmp_path / "utterances.csv"
    genesys.write_text(
        "conversationId,startTime,participantPurpose,text\n"
        'g1,2026-09-10T15:30:00.000Z,internal,"Thank you for calling, how can I help?"\n'
        "g1,2026-09-10T15:30:15.000Z,external,My direct debit was taken twice this month.\n"
        "g1,2026-09-10T15:30:30.000Z,internal,I'm sorry to hear that.\n"
        "g2,2026-09-11T09:00:00.000Z,external,The engineer never turned up for my meter fitting.\n",
        encoding="utf-8",
    )
    recs = read_file(genesys)
    assert [(r.source_id, r.date[:10]) for r in recs] == [("g1", "2026-09-10"), ("g2", "2026-09-11")]
    assert [t.text for t in recs[0].turns if t.speaker == "customer"] == ["My direct debit was taken twice this month."]
    diarised = tmp_path / "calls.csv"
    diarised.write_text(
        "call_id,call_start,start_time,speaker,transcript\n"
        'c1,2026-10-04 11:34:00,0.00,spk_0,"Thank you for calling Brightwatt, how can I help?"\n'
        "c1,2026-10-04 11:34:00,7.00,spk_1,I was on hold for fifty minutes.\n"
        "c2,2026-10-05 09:00:00,0.00,spk_0,Hello?\n"
        'c2,2026-10-05 09:00:00,3.00,spk_1,"Hi, it\'s Brightwatt returning your call about the meter."\n'
        "c2,2026-10-05 09:00:00,9.00,spk_0,Your engineer missed my appointment twice.\n",
        encoding="utf-8",
    )
    recs = read_file(diarised)
    assert [(r.source_id, r.date) for r in recs] == [("c1", "2026-10-04T11:34:00"), ("c2", "2026-10-05T09:00:00")]
    assert [[t.text for t in r.turns if t.speaker == "customer"] for r in recs] == [
        ["I was on hold for fifty minutes."], ["Your engineer missed my appointment twice."],
    ]  # fmt: skip


def test_a_genesys_transcript_export_is_read_as_conversations(tmp_path):
    """Genesys Cloud's transcripts nest their phrases two lists down: the `transcripts` list was mined as its Python
    text, agent phrases and keys included ("duration milliseconds"), undated."""
    import json

    def phrase(who: str, text: str, at: int) -> dict:
        return {"text": text, "participantPurpose": who, "startTimeMs": at, "duration": {"milliseconds": 4000}}

    start = 1794057600000  # 2026-11-07T13:20:00Z in epoch milliseconds
    export = {"conversations": [{
        "conversationId": "g-1", "conversationStartTime": start, "mediaType": "call",
        "transcripts": [{"transcriptId": "t1", "phrases": [
            phrase("internal", "Thank you for calling Brightwatt, how can I help?", start),
            phrase("external", "My smart meter has not sent a reading since March.", start + 5000),
            phrase("acd", "Transferring you now.", start + 9000),
        ]}],
    }]}  # fmt: skip
    (tmp_path / "genesys.json").write_text(json.dumps(export), encoding="utf-8")
    [rec] = read_file(tmp_path / "genesys.json")
    assert (rec.source_id, rec.kind, rec.date[:16]) == ("g-1", "transcript", "2026-11-07T13:20")
    customer = [t.text for t in rec.turns if t.speaker == "customer"]
    assert customer == ["My smart meter has not sent a reading since March."]
    assert "milliseconds" not in rec.text


def test_a_text_column_of_json_structures_is_refused_naming_it(tmp_path):
    """An unknown call export's nested list was mined as its Python text, keys and agent's words as pain points."""
    import json

    import pytest

    from miner.errors import InputError

    said = [{"channel": "A", "words": "Thanks for calling, how can I help?"}, {"channel": "B", "words": "It doubled."}]
    calls = {"calls": [{"callId": "a1", "segments": said}]}
    (tmp_path / "calls.json").write_text(json.dumps(calls), encoding="utf-8")
    with pytest.raises(InputError, match="'segments' holds lists or objects") as err:
        read_file(tmp_path / "calls.json")
    assert "calls.json" in str(err.value) and "--text-col" in str(err.value)
    (tmp_path / "frame.csv").write_text(
        "id,turns\n1,\"[{'speaker': 'agent', 'text': 'Hello'}, {'speaker': 'customer', 'text': 'Billed twice'}]\"\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="'turns' holds lists or objects"):
        read_file(tmp_path / "frame.csv")
