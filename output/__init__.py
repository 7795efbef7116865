"""From "what to draw" to files a lecturer can use: clips, subtitles, posters, manifests, film, slides.

The flow, one module each:
    jobs.py      a RenderJob (scene × Example × quality/format) and the predictable file names
    worker.py    one Manim process per render, given the Example in one place (its environment)
    encoding.py  the x264 speed-ups, installed by the worker (never by importing the kit)
    cache.py     the render cache key: what is drawn (trace content, model cards) + the drawing code
    rendering.py one job → video, .srt, poster, manifest, published atomically
    runner.py    the one job runner of render, slides and film: jobs in, results and failures out
    film.py      the whole story stitched, with its own name and manifest
    slides.py    a scene's beats as slides through manim-slides

Nothing here imports Manim or torch at import time, so the CLI starts fast and a cache hit is cheap.
"""
