from provenance.cli import run

run()
