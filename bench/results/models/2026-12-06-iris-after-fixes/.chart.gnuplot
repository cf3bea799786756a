$iris_seed << EOD
1 800.1 6.20
32 944.2 112.00
EOD
$iris_on << EOD
1 604.3 6.73
32 971.9 193.59
EOD
$iris_off << EOD
1 653.4 7.94
32 1023.9 126.60
EOD
set terminal pngcairo size 1100,360 font "sans,10"
set output "bench-models-chart.png"
set multiplot layout 1,2
set grid
set key top left
set logscale x 2
set xtics (1, 32)
set xrange [0.7:44.8]
set xlabel 'connections (through nginx)'
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
unset multiplot
