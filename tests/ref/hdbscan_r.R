# hdbscan_r.R - reference for tests/test_cluster_hdbscan.c: R's dbscan
# (Debian r-cran-dbscan 1.1) HDBSCAN of the points in a CSV file, with one
# change: the minimum spanning tree of the mutual reachability distances is
# Kruskal's in the order (weight, lower row, higher row) instead of
# dbscan::prims()'s. R's hdbscan() puts tied weights in Prim's visiting
# order, and its own clusters and GLOSH scores change when that order does
# (mutual reachability ties are common: many edges weigh a core distance);
# one strict order makes the reference well defined. The rest is
# dbscan's own code: coredist(), mrd(), hclustMergeOrder(),
# computeStability() and extractUnsupervised(), as hdbscan() calls them.
#
# usage: Rscript hdbscan_r.R POINTS.csv MINPTS
# prints one line per point: "cluster glosh" (cluster 0 = noise).
suppressMessages(library(dbscan))
args <- commandArgs(TRUE)
x <- as.matrix(read.csv(args[1], header = FALSE))
minPts <- as.integer(args[2])
n <- nrow(x)
mrd <- as.vector(dbscan:::mrd(dist(x), dbscan:::coredist(x, minPts)))
ij <- which(lower.tri(matrix(0, n, n)), arr.ind = TRUE)   # dist()'s order
a <- pmin(ij[, 1], ij[, 2]); b <- pmax(ij[, 1], ij[, 2])
o <- order(mrd, a, b)
parent <- seq_len(n)
find <- function(i) { while (parent[i] != i) i <- parent[i]; i }
mst <- matrix(0, n - 1, 3); m <- 0
for (e in o) {
  ra <- find(a[e]); rb <- find(b[e])
  if (ra == rb) next
  parent[max(ra, rb)] <- min(ra, rb)
  m <- m + 1; mst[m, ] <- c(a[e], b[e], mrd[e])
  if (m == n - 1) break
}
hc <- dbscan:::hclustMergeOrder(mst, seq_len(n - 1))
res <- dbscan:::computeStability(hc, minPts, compute_glosh = TRUE)
res <- dbscan:::extractUnsupervised(res)
cl <- attr(res, "cluster")
cat(sprintf("%d %.17g\n", cl, attr(res, "glosh")), sep = "")
