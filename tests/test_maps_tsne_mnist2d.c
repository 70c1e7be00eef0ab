/* test_maps_tsne_mnist2d.c - t-SNE 2D (FFT gradient) on the MNIST test set:
 * 10-NN accuracy >= 0.93, trustworthiness >= 0.97 (see tsne_mnist.h). */
/* ctest-labels: slow */
#include "tsne_mnist.h"

int main(void) { return run_mnist(2, EMB_TSNE_FFT); }
