#!/usr/bin/env bash
# Regenerate the PDF fixtures of the ingest tests from their groff sources
# (tests/fixtures/spec/*.ms). Needs groff (PDF output) and qpdf (the encrypted copy):
#   apt-get install groff qpdf
# The generated PDFs are committed, so the tests themselves need neither tool.
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/spec"
groff -ms -t -Tpdf scu.ms > scu.pdf
groff -Tpdf image_only.ms > image_only.pdf
# a second port table with narrower columns; register names wrapping, two at one address
groff -ms -t -Tpdf uart16.ms > uart16.pdf
qpdf --encrypt user-pw owner-pw 256 -- scu.pdf encrypted.pdf
head -c 3000 scu.pdf > truncated.pdf
printf 'this is not a pdf at all\n\x00\x01\x02' > corrupt.pdf
: > empty.pdf
# three bundled specs, typeset from their Markdown (the tests compare PDF against Markdown)
for spec in apb_regfile uart sync_fifo; do
  python3 ../../../scripts/md2ms.py "../../../specs/$spec.md" > "$spec.ms"
  groff -k -ms -t -Tpdf "$spec.ms" > "$spec.pdf"
done
echo "regenerated: $(ls *.pdf | tr '\n' ' ')"
