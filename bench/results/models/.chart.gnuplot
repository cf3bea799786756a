$forest_seed << EOD
1 315.7 10.37
8 495.2 43.70
32 355.3 232.92
128 447.0 774.51
EOD
$forest_on << EOD
1 182.2 16.00
8 341.2 82.64
32 485.3 319.51
128 597.3 667.53
EOD
$forest_off << EOD
1 124.0 66.84
8 181.2 237.18
32 242.1 589.55
128 273.9 1246.53
EOD
$iris_seed << EOD
1 726.1 7.53
8 680.9 52.82
32 1170.8 110.09
128 1215.6 217.69
EOD
$iris_on << EOD
1 448.4 11.77
8 680.0 46.22
32 746.4 150.40
128 900.6 429.13
EOD
$iris_off << EOD
1 585.8 7.24
8 794.1 37.58
32 952.8 111.68
128 877.6 432.19
EOD
$predictor_seed << EOD
1 353.2 8.82
8 517.4 52.10
32 544.4 124.81
128 578.0 485.10
EOD
$predictor_on << EOD
1 148.4 19.45
8 335.0 83.97
32 560.6 308.48
128 752.7 408.22
EOD
$predictor_off << EOD
1 156.7 21.30
8 233.1 151.02
32 312.8 404.78
128 306.3 1074.31
EOD
set terminal pngcairo size 1100,1080 font "sans,10"
set output "bench-models-chart.png"
set multiplot layout 3,2
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
set title 'iris: throughput (20 s runs)'
set ylabel 'requests/s (median)'
unset logscale y
set yrange [0:*]
plot $iris_seed using 1:2 with linespoints lw 2 pt 7 title 'seed', $iris_on using 1:2 with linespoints lw 2 pt 7 title 'ours, batching on', $iris_off using 1:2 with linespoints lw 2 pt 7 title 'ours, batching off'
set title 'iris: p99 latency (20 s runs)'
set ylabel 'p99 ms (median)'
set logscale y 10
set yrange [*:*]
plot $iris_seed using 1:3 with linespoints lw 2 pt 7 title 'seed', $iris_on using 1:3 with linespoints lw 2 pt 7 title 'ours, batching on', $iris_off using 1:3 with linespoints lw 2 pt 7 title 'ours, batching off'
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
