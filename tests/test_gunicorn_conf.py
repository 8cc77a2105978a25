"""gunicorn's settings file, read as gunicorn reads it."""

import gc
import runpy

from django.conf import settings


def test_a_booted_worker_freezes_what_it_loaded_out_of_the_collectors_full_passes():
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](worker=None)

        assert gc.get_freeze_count() > 10_000  # Django and the apps, loaded by now
    finally:
        gc.unfreeze()
