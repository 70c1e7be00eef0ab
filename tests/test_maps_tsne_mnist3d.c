/* test_maps_tsne_mnist3d.c - t-SNE 3D (Barnes-Hut octree) on the MNIST test
 * set: 10-NN accuracy >= 0.93, trustworthiness >= 0.97 (see tsne_mnist.h). */
/* ctest-labels: slow */
#include "tsne_mnist.h"

int main(void) { return run_mnist(3, EMB_TSNE_AUTO, EMB_TSNE_BH); }
