"""What gunicorn's master does once at start (empty the metrics directory, build the app once, start the shadow
listener on a candidate replica) and at exit (stop the shadow listener)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Optional

from ..settings import GunicornSettings

EXIT_APP_UNUSABLE = 4  # gunicorn's own code for "App failed to load"


def check_app_loads() -> None:
    """Build the app once in the gunicorn master, before any worker exists.

    A model (or setting) that cannot work then stops gunicorn at once: one JSON log line and
    exit code 4, instead of every worker failing to boot at the same time (which gunicorn 20.1
    handles with a race: exit code 1 or 3 and Python tracebacks). The copy is dropped again; the
    libraries it imported stay loaded and are shared with the workers forked later.
    """
    from ..http.app import create_app
    from ..model.loading import ModelLoadError
    from ..observability.logs import get_logger
    from ..settings import SettingsError

    try:
        create_app()
    except ModelLoadError as error:  # create_app has logged model_load_failed
        raise SystemExit(EXIT_APP_UNUSABLE) from error
    except SettingsError as error:
        get_logger().error("invalid configuration", extra={"fields": {"event": "config_invalid", "error": str(error)}})
        raise SystemExit(EXIT_APP_UNUSABLE) from error


def reset_metrics_dir(path: str) -> None:
    """Empty the prometheus multiprocess directory (files of a previous run would be counted)."""
    directory = Path(path)
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


SHADOW_LISTENER_STOP_SECONDS = 5


def start_shadow_listener(app_dir: str, settings: GunicornSettings) -> subprocess.Popen:
    """Start the shadow listener (serving/shadow_listener.py) of a candidate replica as a process of its own, on
    ``settings.shadow_port``; a replay may take as long as gunicorn's timeout allows a request."""
    assert settings.shadow_port is not None
    arguments = [f"--port={settings.shadow_port}", f"--timeout={settings.timeout}"]
    return subprocess.Popen([sys.executable, "-m", "modelserver.serving.shadow_listener", *arguments], cwd=app_dir)


def stop_shadow_listener(process: Optional[subprocess.Popen]) -> None:
    """Stop the shadow listener: SIGTERM, then SIGKILL when it has not ended within a few seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SHADOW_LISTENER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
