"""Distribution strategies on JAX's SPMD machinery (``jt.distribute``)."""

from ._context import ReduceOp as ReduceOp
from ._context import ReplicaContext as ReplicaContext
from ._context import get_cross_replica_context as get_cross_replica_context
from ._context import get_replica_context as get_replica_context
from ._context import get_strategy as get_strategy
from ._context import has_strategy as has_strategy
from ._context import in_cross_replica_context as in_cross_replica_context
from ._losses import compute_average_loss as compute_average_loss
from ._multi_worker import MultiWorkerMirroredStrategy as MultiWorkerMirroredStrategy
from ._multi_worker import cluster_from_tf_config as cluster_from_tf_config
from ._strategy import DistributedDataset as DistributedDataset
from ._strategy import DistributedIterator as DistributedIterator
from ._strategy import InputContext as InputContext
from ._strategy import MirroredStrategy as MirroredStrategy
from ._strategy import OneDeviceStrategy as OneDeviceStrategy
from ._strategy import Strategy as Strategy
from ._strategy import TPUStrategy as TPUStrategy
from ._values import PerReplica as PerReplica
