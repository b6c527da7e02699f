"""What a release is, for everything that writes or reads one: the bottom of the code base.

:mod:`release.layout` names the files of a release directory (the dumps, the manifest, the store)
and holds the manifest's schema, with the one function that writes a manifest and the one that
reads and checks it; :mod:`release.pins` is the lock by which a server keeps the release it serves
from being pruned. The build (:mod:`kg.build`), the endpoint (:mod:`endpoint.graph`), the
benchmarks and the tests use these; this package imports none of them.
"""
