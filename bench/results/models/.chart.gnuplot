$forest_seed << EOD
1 339.9 10.48
8 597.2 33.22
32 560.3 128.50
128 539.6 524.02
EOD
$forest_on << EOD
1 236.4 11.55
8 463.7 52.30
32 684.1 272.00
128 750.4 455.58
EOD
$forest_off << EOD
1 219.8 18.32
8 399.4 70.88
32 507.3 335.69
128 504.7 641.25
EOD
$predictor_seed << EOD
1 344.0 8.24
8 507.4 44.05
32 579.2 111.03
128 478.6 477.36
EOD
$predictor_on << EOD
1 159.1 18.51
8 436.7 63.68
32 629.7 256.92
128 571.8 537.29
EOD
$predictor_off << EOD
1 168.7 13.69
8 238.0 120.52
32 235.9 502.52
128 341.7 920.27
EOD
set terminal pngcairo size 1100,720 font "sans,10"
set output "bench-models-chart.png"
set multiplot layout 2,2
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
set title 'predictor: throughput (20 s runs)'
set ylabel 'requests/s (median)'
unset logscale y
set yrange [0:*]
plot $predictor_seed using 1:2 with linespoints lw 2 pt 7 title 'seed', $predictor_on using 1:2 with linespoints lw 2 pt 7 title 'ours, batching on', $predictor_off using 1:2 with linespoints lw 2 pt 7 title 'ours, batching off'
set title 'predictor: p99 latency (20 s runs)'
set ylabel 'p99 ms (median)'
set logscale y 10
set yrange [*:*]
plot $predictor_seed using 1:3 with linespoints lw 2 pt 7 title 'seed', $predictor_on using 1:3 with linespoints lw 2 pt 7 title 'ours, batching on', $predictor_off using 1:3 with linespoints lw 2 pt 7 title 'ours, batching off'
unset multiplot
