"""The app's own cost per POST /predict, with no server and no network: the WSGI app called directly.

Runs inside our api image (it imports /app/modelserver and loads /opt/model):

    docker run --rm --read-only --tmpfs /tmp -v "$PWD/bench/profile:/mb:ro" IMAGE python3 /mb/wsgi-call.py [--prof]

Prints the per-request time of 5 x 5,000 calls (after 500 warm-up calls); with --prof, a cProfile of 5,000 more,
sorted by cumulative time. The JSON log lines go to /dev/null.
"""
import io, os, sys, time, cProfile, pstats
sys.path.insert(0, "/app")
os.makedirs(os.environ.get("PROMETHEUS_MULTIPROC_DIR", "/tmp/mp"), exist_ok=True)
from modelserver.app import create_app
app = create_app()
body = b'{"instances": [[5.1, 3.5, 1.4, 0.2]]}'
def environ():
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/predict", "SERVER_NAME": "x", "SERVER_PORT": "8000",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.errors": sys.stderr,
            "HTTP_HOST": "x", "REMOTE_ADDR": "127.0.0.1"}
def sr(status, headers, exc=None): pass
def call():
    out = app.wsgi_app(environ(), sr); b"".join(out); getattr(out, "close", lambda: None)()
sys.stdout = open(os.devnull, "w")
for _ in range(500): call()
N = 5000
best = []
for r in range(5):
    t = time.perf_counter()
    for _ in range(N): call()
    best.append((time.perf_counter() - t) / N * 1e6)
sys.stderr.write("per request us: %s\n" % sorted(round(x) for x in best))
if "--prof" in sys.argv:
    p = cProfile.Profile(); p.enable()
    for _ in range(N): call()
    p.disable()
    st = pstats.Stats(p, stream=sys.stderr); st.sort_stats("cumulative").print_stats(45)
