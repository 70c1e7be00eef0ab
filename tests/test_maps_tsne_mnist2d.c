/* test_maps_tsne_mnist2d.c - t-SNE 2D (FFT gradient, forced) on the MNIST test set:
 * 10-NN accuracy >= 0.93, trustworthiness >= 0.97 (see tsne_mnist.h). */
/* ctest-labels: slow */
#include "tsne_mnist.h"

int main(void) {
    /* AUTO takes Barnes-Hut below 150,000 points (faster there); the FFT
     * gradient is forced so that its quality on MNIST stays checked */
    return run_mnist(2, EMB_TSNE_FFT, EMB_TSNE_FFT);
}
