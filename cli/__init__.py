"""The command line (render.py runs it): parse options, print, exit codes; the work is in output/.

    options.py   the options shared by several commands (what to explain, how it looks, where it goes)
    commands.py  list, trace, vocab, render, slides, script, film: one Example and its jobs each
    tools.py     preview (the warm process) and batch (jobs files)
    main.py      main(): every failure one `error:` line; bad input exit 2, a failed render exit 1
"""
