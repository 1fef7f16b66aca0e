#!/bin/bash
# Regenerates the H100 Nsight Compute fixtures on a machine with a GPU and ncu:
#   bash regenerate.sh OUTDIR
# Profiles kernels.cu from a neutral directory so that no local path ends up in the reports.
set -euo pipefail
SRC=$(cd "$(dirname "$0")" && pwd)/kernels.cu
OUTDIR=${1:?usage: regenerate.sh OUTDIR}
W=/opt/kdafix/public; mkdir -p "$W" "$OUTDIR"; cp "$SRC" "$W/kernels.cu"; cd "$W"
nvcc -O3 -lineinfo -arch=sm_90 -o kernels kernels.cu
ncu --set full --import-source yes --clock-control none -f -o report ./kernels > ncu.log 2>&1
ncu --import report.ncu-rep --csv --page details > details.csv
ncu --import report.ncu-rep --csv --print-units base --page raw > raw.csv
ncu --import report.ncu-rep --csv --print-units base --page raw --print-metric-instances values -k regex:"tail_wave|divergent" > raw_instances.csv
for k in $(cut -d, -f5 details.csv | tr -d '"' | sed -e 's/(.*//' -e 's/^void //' -e 's/<.*//' | sort -u | grep -v "Kernel Name"); do
  ncu --import report.ncu-rep --csv --page source --print-source cuda,sass -k regex:"$k" > "source_$k.csv"
done
ncu --import report.ncu-rep --csv --page source --print-source ptx -k regex:inline_ptx > source_ptx_inline_ptx_chain.csv
ncu --set full --import-source yes --clock-control none -f -k regex:"transpose|copy" -o second ./kernels > /dev/null 2>&1
ncu --import second.ncu-rep --csv --page details > second_details.csv
cp ./*.csv report.ncu-rep second.ncu-rep "$OUTDIR"/
