"""The SPARQL endpoint: SPARQL 1.1 Protocol over a pyoxigraph store of the published release.

Entry points: :func:`endpoint.app.create_app` (Flask factory) and :func:`endpoint.serve.serve`.
"""
