"""Runs as background jobs: a worker pool outside the request, progress recorded in the control database
(api/job_progress.py)."""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from api import db as control_db
from api.datasets import drop_imported, pending_files
from api.db import open_control, open_workspace
from api.errors import ApiError, api_words, without_server_paths
from api.job_progress import Cancelled, JobProgress
from api.keys import now
from api.queue import FairQueue, start_workers
from api.settings import Settings
from api.storage import RUN_DISK_FULL, is_disk_full
from miner.errors import MinerError
from miner.pipeline.profiles import DEFAULT_PROFILE, PROFILES, Profile

T = TypeVar("T")

log = logging.getLogger("touchpoints.api")

STOPPED = "the server stopped during the run: start the run again"
RETRY_S = 2.0  # how often a job state the database refused (a full disk) is tried again


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def _newest_run(db: Any) -> int | None:
    from miner.store.runs import list_runs

    newest = list_runs(db, limit=1)
    return int(newest[0]["id"]) if newest else None


class JobRunner:
    """Owns the worker pool and the models it shares (loaded once, lazily, in the worker)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cancel: dict[str, threading.Event] = {}
        self._lock = threading.Lock()
        self._workspaces: dict[str, threading.RLock] = {}  # `exclusive`
        self._models: dict[str, tuple[Any, Any]] = {}  # (embedder, segmenter) by profile name
        self._embedder: Any = None
        self._embedder_lock = threading.Lock()
        self._stopping = False
        self._control = open_control(settings.db)
        self._unrecorded: dict[str, dict] = {}  # a finished job's last state the database refused (`_finish`)
        self._retry = threading.Event()  # set to stop the recorder
        threading.Thread(target=self._recorder, name="touchpoints-recorder", daemon=True).start()
        self._models_lock = threading.Lock()
        workers = max(1, settings.workers)
        self.queue = FairQueue(per_workspace=workers - 1)
        self._workers = start_workers(self.queue, workers, self._run_safely)

    def recover(self) -> None:
        """Runs a previous server left queued or running will never finish: mark them failed."""
        with self._lock:
            control_db.fail_unfinished_jobs(self._control, STOPPED, now())

    def exclusive(self, workspace: str) -> threading.RLock:
        """The workspace's lock: a request that checks that no run is in progress and then acts on that (an erasure,
        a dataset's deletion, a taxonomy change, a run's start) holds it from the check to the act. Checked apart, a
        run started between the two, and both answered 2xx: a run over a deleted dataset, a taxonomy stored by a
        PUT answered 409. Reentrant: a taxonomy change starts its run under it."""
        with self._lock:
            return self._workspaces.setdefault(workspace, threading.RLock())

    def exclusively(self, workspace: str, act: Callable[..., T], *args: object) -> T:
        """`act(*args)` holding the workspace's lock (`exclusive`), for `run_in_threadpool`."""
        with self.exclusive(workspace):
            return act(*args)

    def update(self, job_id: str, **fields: object) -> None:
        with self._lock:
            control_db.update_job(self._control, job_id, fields)

    def submit(
        self, workspace: str, dataset_id: str | None, taxonomy_version: str | None, profile: str = DEFAULT_PROFILE
    ) -> str:
        """Queue a run; one run at a time per workspace, since a run analyses the whole workspace."""
        with self.exclusive(workspace), self._lock:
            self._flush()  # a run the disk kept 'running' is failed first, or it would hold the workspace for good
            busy = control_db.active_job(self._control, workspace)
            if busy:
                raise ApiError(
                    409,
                    "run_in_progress",
                    f"run '{busy}' is already in progress in this workspace: "
                    "wait for it to finish or cancel it (DELETE /v1/runs/{id})",
                )
            job_id = new_id("run")
            control_db.insert_job(
                self._control,
                {
                    "id": job_id,
                    "workspace": workspace,
                    "dataset_id": dataset_id,
                    "status": "queued",
                    "progress": 0.0,
                    "stage": None,
                    "taxonomy_version": taxonomy_version,
                    "profile": profile,
                    "created_at": now(),
                },
            )
            self._cancel[job_id] = threading.Event()
        self.queue.put(workspace, job_id)
        return job_id

    def cancel(self, job_id: str) -> None:
        with self._lock:
            event = self._cancel.get(job_id)
            if event:
                event.set()
            self._flush()
            control_db.cancel_job(self._control, job_id, now())

    def shutdown(self) -> None:
        with self._lock:
            self._stopping = True
            for event in self._cancel.values():
                event.set()
        self.queue.close()
        for worker in self._workers:
            worker.join()
        self._retry.set()
        with self._lock:
            self._flush()  # the runs that ended while the disk was full end as they did, not "the server stopped"
        self.recover()

    def _models_loaded(self, profile: Profile) -> tuple[Any, Any]:
        """The embedder and segmenter of `profile`, loaded once: the default profile reads with the server's
        configured encoder and spaCy model, another with its own (the batch tier's fast encoder, regex clauses)."""
        from miner.embed import get_embedder
        from miner.segment import get_segmenter

        with self._models_lock:  # two workers starting at once load the models once
            if profile.name not in self._models:
                if profile.name == DEFAULT_PROFILE:
                    models = (self.embedder(), get_segmenter(self.settings.spacy_model))
                else:
                    segmenter = "rules" if profile.segmenter == "rules" else self.settings.spacy_model
                    models = (get_embedder(profile.embedding_model), get_segmenter(segmenter))
                self._models[profile.name] = models
            return self._models[profile.name]

    def embedder_for(self, run: dict) -> Any:
        """The encoder run `run` was mined with, when a profile of this server has it (a batch-profile run is
        read with the batch encoder); the server's embedder otherwise."""
        from miner.store.runs import run_encoder

        encoder = run_encoder(run)
        for profile in PROFILES.values():
            if profile.name != DEFAULT_PROFILE and encoder == profile.embedding_model:
                return self._models_loaded(profile)[0]
        return self.embedder()

    def embedder(self) -> Any:
        """The server's embedder, shared by its runs and the read routes that score stored segments."""
        from miner.embed import get_embedder

        with self._embedder_lock:
            if self._embedder is None:
                self._embedder = get_embedder(self.settings.embedding_model)
            return self._embedder

    def _run_safely(self, job_id: str) -> None:
        try:
            self._run(job_id)
        except Cancelled:
            if self._stopping:
                self._finish(job_id, status="failed", error=STOPPED)
            else:
                self._finish(job_id, status="cancelled")
        except MinerError as err:  # in this API's words, as an upload's refusal is: agent_speaker, not --agent-speaker
            self._finish(job_id, status="failed", error=api_words(str(err)))
        except Exception as err:  # noqa: BLE001 - a job's failure is reported on the job, never lost
            if is_disk_full(err):
                log.error("run %s failed: the disk is full (%s)", job_id, err)
                self._finish(job_id, status="failed", error=RUN_DISK_FULL)
            else:
                log.exception("run %s failed", job_id)
                self._finish(job_id, status="failed", error=f"{type(err).__name__}: {err}")
        finally:
            with self._lock:
                self._cancel.pop(job_id, None)

    def _finish(self, job_id: str, **fields: object) -> None:
        """Record a job's end; where the database refuses it (a full disk), keep it to record later (`_flush`), so
        the worker goes on and the job does not stay 'running' for good."""
        fields.update(finished_at=now(), stage=None)
        if isinstance(error := fields.get("error"), str):
            fields["error"] = without_server_paths(error, self.settings.workspaces_dir)
        with self._lock:
            self._unrecorded[job_id] = fields
            self._flush()

    def _flush(self) -> None:
        """Record the job states the database refused before; under `_lock`. Never raises: what it still cannot
        write waits for the next try."""
        for job_id, fields in list(self._unrecorded.items()):
            try:
                control_db.update_job(self._control, job_id, fields)
            except (sqlite3.Error, OSError) as err:
                log.error("could not record the end of run %s (%s): trying again", job_id, err)
                return
            del self._unrecorded[job_id]

    def _recorder(self) -> None:
        """Try the job states the database refused again every RETRY_S seconds, until the server stops."""
        while not self._retry.wait(RETRY_S):
            with self._lock:
                if self._unrecorded:
                    self._flush()

    def write_problem(self) -> str | None:
        """Why the main database cannot be written now, or None (readiness)."""
        with self._lock:
            return control_db.write_problem(self._control)

    def unrecorded(self) -> list[str]:
        """The runs whose end the database has refused so far (readiness reports them)."""
        with self._lock:
            return list(self._unrecorded)

    def _run(self, job_id: str) -> None:
        from api.taxonomies import taxonomy_version
        from miner.ingest import ColumnMap
        from miner.pipeline import MineOptions, build_pipeline

        with self._lock:
            job = control_db.job_row(self._control, job_id)
            cancel = self._cancel.get(job_id)
        if job is None or job["status"] != "queued" or cancel is None or cancel.is_set():
            return
        self.update(job_id, status="running", started_at=now(), progress=0.0)
        progress = JobProgress(self, job_id, cancel, self.settings.run_budget_s)
        profile = PROFILES[job.get("profile") or DEFAULT_PROFILE]
        with progress.stage("Loading models", 1):
            embedder, segmenter = self._models_loaded(profile)
        db = open_workspace(self.settings.workspaces_dir, job["workspace"])
        try:
            taxonomy = taxonomy_version(db, self.settings, job["taxonomy_version"])
            # The job was queued with the workspace's PUT version, None while it uses the default: record the
            # version the run reads, so the job and its run (RunInfo) name the same one.
            self.update(job_id, taxonomy_version=taxonomy.version)
            with self._lock:
                datasets = self._datasets(job)
            options = MineOptions(
                taxonomy=taxonomy,
                embedder=embedder,
                segmenter=segmenter,
                mapper=self.settings.mapper,
                redact_pii=profile.redact,
            )
            pipeline = build_pipeline(db, options)
            kept_apart = 0
            for dataset in datasets:
                # Each dataset's import is its own transaction: once it is stored, the raw upload is deleted.
                imported = None
                if files := pending_files(dataset):
                    columns = ColumnMap(**json.loads(dataset["columns"] or "{}"))
                    results = pipeline.import_paths(files, columns=columns, on_error="skip", progress=progress)
                    imported = {str(f): r for f, r in zip(files, results, strict=True)}  # in the order given
                    kept_apart += sum(r.diverged for r in results)
                with self._lock:
                    drop_imported(self._control, dataset, imported)
            self.update(job_id, kept_apart=kept_apart)
            before = _newest_run(db)
            try:
                run_id = pipeline.analyze(progress)
            except Cancelled:
                # the run it had started is stored as failed ('Cancelled'), under its number: the job names it, or
                # GET /v1/runs/{number} answered a failed run the list lacks, "made by touchpoints mine"
                if (made := _newest_run(db)) != before:
                    self.update(job_id, run_id=made)
                raise
            if self.settings.keep_runs:
                from miner.store.runs import prune_runs

                pruned = prune_runs(db, self.settings.keep_runs)
                if pruned.runs:
                    log.info("workspace %s: pruned the results of runs %s", job["workspace"], pruned.runs)
        finally:
            db.close()
        self.update(job_id, status="complete", progress=1.0, stage=None, run_id=run_id, finished_at=now())
        self._warm(job["workspace"], run_id)

    def _warm(self, workspace: str, run_id: int) -> None:
        """Build the new run's in-memory index (GET /v1/pain-points, /v1/touchpoints) and respondents (GET
        /v1/trends) here, not in the first request to read them (3-4 s each per million segments); best effort: a
        request builds them anyway."""
        from miner.report.respondent_table import respondent_table
        from miner.store.index import run_index
        from miner.store.runs import find_run

        try:
            db = open_workspace(self.settings.workspaces_dir, workspace)
            try:
                if (run := find_run(db, run_id=run_id)) is not None:
                    run_index(db, run)
                    respondent_table(db, run)
            finally:
                db.close()
        except Exception:  # noqa: BLE001 - the run is complete whatever happens here
            log.exception("could not index run %s of %s", run_id, workspace)

    def _datasets(self, job: dict) -> list[dict]:
        if job["dataset_id"]:
            row = control_db.dataset_row(self._control, None, job["dataset_id"])
            return [row] if row is not None else []
        return control_db.dataset_rows(self._control, job["workspace"])
