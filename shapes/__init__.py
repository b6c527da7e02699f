"""SHACL shapes of the knowledge graph (``*.ttl``) and their validation (:mod:`shapes.validate`)."""

from rdflib import Namespace

#: the shapes' own namespace: shape IRIs and the build's annotations (``hsh:checkInOnePass``)
HSH = Namespace("https://w3id.org/henan-gov/shapes#")
