"""What the tests share and are not tests themselves: loopback servers, fixture finders, doubles.

Imported as `support.<module>`: pytest puts tests/ on sys.path (rootdir conftest, no tests/__init__.py),
and the benchmarks insert it themselves. Worker processes inherit that path through the forkserver, so
functions here can be handed to a WorkerPool by reference.
"""
