$forest_seed << EOD
1 301.6 16.73
8 335.0 72.54
32 316.9 267.63
128 320.5 788.33
EOD
$forest_on << EOD
1 190.6 21.09
8 344.7 83.65
32 458.8 466.31
128 528.6 611.38
EOD
$forest_off << EOD
1 211.0 14.71
8 322.5 87.56
32 346.6 519.56
128 369.8 939.85
EOD
set terminal pngcairo size 1100,360 font "sans,10"
set output "bench-models-chart.png"
set multiplot layout 1,2
set grid
set key top left
set logscale x 2
set xtics (1, 8, 32, 128)
set xrange [0.7:179.2]
set xlabel 'connections (through nginx)'
set title 'forest: throughput (20 s runs)'
set ylabel 'requests/s (median)'
unset logscale y
set yrange [0:*]
plot $forest_seed using 1:2 with linespoints lw 2 pt 7 title 'seed', $forest_on using 1:2 with linespoints lw 2 pt 7 title 'ours, batching on', $forest_off using 1:2 with linespoints lw 2 pt 7 title 'ours, batching off'
set title 'forest: p99 latency (20 s runs)'
set ylabel 'p99 ms (median)'
set logscale y 10
set yrange [*:*]
plot $forest_seed using 1:3 with linespoints lw 2 pt 7 title 'seed', $forest_on using 1:3 with linespoints lw 2 pt 7 title 'ours, batching on', $forest_off using 1:3 with linespoints lw 2 pt 7 title 'ours, batching off'
unset multiplot
