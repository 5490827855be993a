"""The analyst's HTML report, served: `/v1/report` (with a key) and the page behind `/` that asks for one."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.deps import FiltersDep, WorkspaceDbDep
from api.errors import ApiError, responses
from miner.errors import MinerError
from miner.store.filters import no_match
from miner.store.runs import find_run

router = APIRouter(tags=["report"])

_SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>touchpoint-miner</title>
<style>body{font:16px system-ui,sans-serif;margin:0;background:#f5f7fb;color:#1d2433}
main{max-width:520px;margin:12vh auto;background:#fff;padding:32px;border-radius:10px;box-shadow:0 1px 4px #0002}
input{width:100%;padding:10px;font:inherit;margin:12px 0;box-sizing:border-box}button{padding:10px 18px;font:inherit}
#error{color:#b42318}</style></head><body><main><h1>Touchpoint report</h1>
<p>Enter an API key (<code>touchpoints keys create --workspace NAME</code>) to open your workspace's report.
The key stays in this tab only.</p>
<form id="f"><input id="key" type="password" placeholder="API key" autocomplete="off" required>
<button>Open report</button></form><p id="error"></p></main>
<script>
// This page is the server's root, under whatever prefix a proxy gives it (/touchpoints or /touchpoints/): relative.
const root = location.pathname.endsWith('/') ? location.pathname : location.pathname + '/';
async function load(key) {
  const r = await fetch(root + 'v1/report' + location.search, {headers: {Authorization: 'Bearer ' + key}});
  if (!r.ok) { const e = await r.json().catch(() => ({})); throw new Error(e.message || r.statusText); }
  sessionStorage.setItem('tpKey', key);
  const html = await r.text(); document.open(); document.write(html); document.close();
}
document.getElementById('f').addEventListener('submit', ev => { ev.preventDefault();
  load(document.getElementById('key').value).catch(e => document.getElementById('error').textContent = e.message); });
const saved = sessionStorage.getItem('tpKey'); if (saved) load(saved).catch(() => sessionStorage.removeItem('tpKey'));
</script></body></html>"""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home() -> str:
    """A small page that asks for a key and then shows that workspace's report."""
    return _SHELL


@router.get(
    "/v1/report",
    response_class=HTMLResponse,
    summary="The analyst's report as one self-contained HTML page",
    responses=responses(400, 401, 404, 429),
)
def report(db: WorkspaceDbDep, filters: FiltersDep) -> str:
    """The same page as `touchpoints report`, for this workspace, filtered by period, source and kind."""
    from miner.report.html import render_html
    from miner.report.model import build_report

    try:
        report = build_report(db, filters)
    except MinerError as err:  # in this API's words: no `touchpoints mine` here
        message = str(err).replace("mine some feedback first (touchpoints mine FILE)", "upload a dataset "
                                   "(POST /v1/datasets) and start a run (POST /v1/runs) first")  # fmt: skip
        raise ApiError(404, "no_report", message) from None
    if not report["overview"]["items"]:  # as `touchpoints report`, which exits 2: no empty page of zeros
        run = find_run(db, report["quality"]["run"]["id"])
        raise ApiError(404, "no_feedback", no_match(db, filters, run, prefix=""))
    return render_html(report)
