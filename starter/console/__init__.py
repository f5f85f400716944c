"""The web console, in French: server-rendered pages over the same guarded desks as the API and
the command line, mounted under /console by the API's app."""
