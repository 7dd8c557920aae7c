"""The funders' report: one self-contained HTML file and a PDF of the same content,
built from a `placesim compare` folder (or a sweep folder with sensitivity results).
`placesim report` (experiments/report.py) calls `render.write_report`.

One module per job, each importing only those above it:

- `formatting`: numbers rounded to what their uncertainty supports, money, names as words;
- `inputs`: a compare or sweep folder and `placesim analyse`'s sensitivity tables, read
  through analysis/results.py (ReportError: one line naming the folder and what is wrong);
- `data`: the numbers the words quote (when support runs, paired differences per seed,
  which guesses move the headline);
- `figures`: matplotlib figures as base64 PNG `data:` URIs with alt text;
- `text`: the prose (the question, the place, each scenario's headline);
- `tables`: pandas Styler tables (system, cost-effectiveness, assumptions from the
  parameter registry: sim.registry over configs.compose.Config and sim.interventions.KINDS);
- `render`: the content for the Jinja2 template (templates/), the HTML and, with
  WeasyPrint, the PDF; `write_report` writes both or neither.
"""
