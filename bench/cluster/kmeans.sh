#!/bin/sh
# kmeans.sh - embscope cluster (k-means, K = 10 classes) on Fashion-MNIST 70k pixel
# vectors at 1 and 2 threads against scikit-learn KMeans(10, n_init=1,
# algorithm="lloyd") at 2 BLAS threads: time, peak RSS, ARI / AMI against the
# labels. Usage: flock /tmp/embscope-bench.lock bench/cluster/kmeans.sh [EMBSCOPE] [WORKDIR]
set -e
B=${1:-build/embscope}
O=${2:-/tmp/embscope-bench-cluster}
mkdir -p $O
[ -f $O/emb/embeddings.npy ] || $B embed /usr/share/datasets/fashion-mnist -o $O/emb --quiet --threads 2
/usr/bin/time -v $B cluster $O/emb/embeddings.npy --items $O/emb/items.csv -o $O/ours --threads 2 2> $O/ours_time.txt
/usr/bin/time -v $B cluster $O/emb/embeddings.npy --items $O/emb/items.csv -o $O/ours1 --threads 1 --quiet 2> $O/ours1_time.txt
cmp $O/ours/clusters.csv $O/ours1/clusters.csv && echo "threads 1 vs 2: same clusters.csv"
O=$O /usr/bin/python3 - <<'PY'
import numpy as np, time, csv, json
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score as ari, adjusted_mutual_info_score as ami
import sklearn
import os; O=os.environ['O']
x=np.load(O+'/emb/embeddings.npy')
lab=[r['label'] for r in csv.DictReader(open(O+'/emb/items.csv'))]
ours=np.loadtxt(O+'/ours/clusters.csv',delimiter=',',skiprows=1)[:,1].astype(int)
j=json.load(open(O+'/ours/clusters.json'))['clusters']
print('ours: k=%d iters=%d inertia=%.6g ARI=%.4f AMI=%.4f'%(j['k'],j['iterations'],j['inertia'],ari(lab,ours),ami(lab,ours)))
from threadpoolctl import threadpool_limits
with threadpool_limits(2):
  for seed in (0,1):
    t=time.time(); m=KMeans(10,n_init=1,algorithm='lloyd',random_state=seed).fit(x); dt=time.time()-t
    print('sklearn %s seed %d: %.2f s iters=%d inertia=%.6g ARI=%.4f AMI=%.4f'%(sklearn.__version__,seed,dt,m.n_iter_,m.inertia_,ari(lab,m.labels_),ami(lab,m.labels_)))
PY
grep -E "Elapsed|Maximum resident" $O/ours_time.txt $O/ours1_time.txt
grep "clusters:" $O/ours_time.txt
