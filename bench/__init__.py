"""`make bench`: the portal under gunicorn against the sandbox as a separate upstream process,
measured with wrk and headless Chromium against a bare Django view (docs/performance.md)."""
