"""``n2n serve``: a local web page that denoises photos (the ``web`` extra: Starlette and uvicorn).

- :mod:`n2n.web.limits`: what an upload may be (size, megapixels, type) and the messages the page shows;
- :mod:`n2n.web.jobs`: the queue, one denoising at a time, each job in its own temporary folder;
- :mod:`n2n.web.models`: the models the page offers, loaded once;
- :mod:`n2n.web.denoise_job`: one photo through ``n2n denoise``'s own code, with progress and previews;
- :mod:`n2n.web.app`: the HTTP routes; ``page/``: the page itself (HTML, CSS, JavaScript, no build step).

Only :mod:`n2n.web.app` imports the web packages, so the rest is tested without them.
"""
