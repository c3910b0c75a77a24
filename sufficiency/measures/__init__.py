"""The indicators, each declared once beside its rule: `care` counts from the 903 episodes
alone, `supply` from the foster carers and placement costs as well. Read them through
`sufficiency.registry`, which imports both and checks the declarations together."""

from sufficiency.declaration import Registry

REGISTRY = Registry()
