"""placesim's model: a neighbourhood's children, families and organisations, monthly.

Nothing here reads files, parses command lines or plots (docs/ODD.md). Importing the
package loads nothing, so that importing `sim.params` (the registry) stays cheap for
the command line's start-up; the model is `sim.model.PlaceModel`, runs `sim.run.simulate`.
"""
