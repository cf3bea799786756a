$forest_seed << EOD
1 464.0 4.87
32 606.9 108.07
128 547.6 367.76
EOD
$forest_on << EOD
1 281.4 7.81
32 840.0 171.92
128 878.4 401.56
EOD
$forest_off << EOD
1 249.1 11.24
32 573.5 231.82
128 638.3 516.83
EOD
$iris_seed << EOD
1 812.1 6.09
32 732.3 130.72
128 1266.8 215.64
EOD
$iris_on << EOD
1 531.3 6.09
32 976.4 108.25
128 1122.9 360.01
EOD
$iris_off << EOD
1 428.4 9.38
32 1022.3 112.18
128 1139.2 345.72
EOD
$predictor_seed << EOD
1 442.0 5.26
32 589.4 139.62
128 595.1 380.62
EOD
$predictor_on << EOD
1 197.1 10.58
32 648.7 252.22
128 822.9 420.62
EOD
$predictor_off << EOD
1 187.5 13.11
32 391.2 330.94
128 427.6 769.30
EOD
set terminal pngcairo size 1100,1080 font "sans,10"
set output "bench-models-chart.png"
set multiplot layout 3,2
set grid
set key top left
set logscale x 2
set xtics (1, 32, 128)
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
