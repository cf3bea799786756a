"""What gunicorn.conf.py hands to gunicorn besides the settings: CPU sizing, start-up checks, the worker class
and the logger. Importing this package imports nothing else: gunicorn.conf.py imports its modules before the
app and prometheus_client are loaded."""
