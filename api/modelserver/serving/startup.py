"""What gunicorn's master does once at start: empty the metrics directory, build the app once."""

from __future__ import annotations

import shutil
from pathlib import Path

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
