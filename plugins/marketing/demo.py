"""Demo data: about 150 sales opportunities over every status and stage."""


def load(session) -> None:
    return None
