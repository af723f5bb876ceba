"""tf.train.Checkpoint of a model and optimizer mid-training; restoring resumes exactly."""

import os
import tempfile

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Training checkpoints' guide (tensorflow.org/guide/checkpoint): "
    "tf.train.Checkpoint(step, optimizer, net), CheckpointManager, save mid-training, "
    "restore into the same and into fresh objects, and continue training."
)

TOLERANCE = {"rtol": 1e-5, "atol": 1e-6}

FEATURES = 4


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(24)
    init_weights = None
    x = rng.randn(10, FEATURES).astype(np.float32)
    y = (x @ rng.randn(FEATURES, 2)).astype(np.float32)

    def make_net():
        net = keras.Sequential(
            [
                keras.Input(shape=(FEATURES,)),
                keras.layers.Dense(5, activation="tanh"),
                keras.layers.Dense(2),
            ]
        )
        if init_weights is not None:
            net.set_weights(init_weights)
        return net

    net = make_net()
    init_weights = [rng.randn(*w.shape).astype(np.float32) * 0.5 for w in net.get_weights()]
    net.set_weights(init_weights)
    opt = keras.optimizers.Adam(0.05)

    def train_step(net, optimizer):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(net(x) - y))
        variables = net.trainable_variables
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return float(loss)

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        # uninterrupted reference run
        ref_net, ref_opt = make_net(), keras.optimizers.Adam(0.05)
        out["uninterrupted_loss"] = np.array([train_step(ref_net, ref_opt) for _ in range(6)])

        step = tf.Variable(0, dtype=tf.int64)
        ckpt = tf.train.Checkpoint(step=step, optimizer=opt, net=net)
        manager = tf.train.CheckpointManager(ckpt, os.path.join(tmp, "tf_ckpts"), max_to_keep=2)
        out["latest_before_save"] = str(manager.latest_checkpoint)

        first = []
        for _ in range(3):
            first.append(train_step(net, opt))
            step.assign_add(1)
        save_path = manager.save()
        out["save_path_name"] = os.path.basename(save_path)
        out["saved_iterations"] = int(opt.iterations.numpy())

        # continue, then roll back and continue again: the same losses
        cont_a = [train_step(net, opt) for _ in range(3)]
        step.assign_add(3)
        out["step_before_restore"] = int(step.numpy())
        ckpt.restore(manager.latest_checkpoint)
        out["step_after_restore"] = int(step.numpy())
        out["iterations_after_restore"] = int(opt.iterations.numpy())
        cont_b = [train_step(net, opt) for _ in range(3)]
        out["loss_first_three"] = np.array(first)
        out["loss_continued"] = np.array(cont_a)
        out["loss_after_restore"] = np.array(cont_b)

        # fresh objects restored from the checkpoint directory
        fresh_net = make_net()
        fresh_opt = keras.optimizers.Adam(0.05)
        fresh_opt.build(fresh_net.trainable_variables)
        fresh_step = tf.Variable(0, dtype=tf.int64)
        fresh = tf.train.Checkpoint(step=fresh_step, optimizer=fresh_opt, net=fresh_net)
        latest = tf.train.latest_checkpoint(os.path.join(tmp, "tf_ckpts"))
        out["latest_name"] = os.path.basename(latest)
        fresh.restore(latest)
        out["fresh_step"] = int(fresh_step.numpy())
        out["fresh_iterations"] = int(fresh_opt.iterations.numpy())
        out["loss_fresh_restore"] = np.array([train_step(fresh_net, fresh_opt) for _ in range(3)])
        out["fresh_kernel"] = np.asarray(fresh_net.layers[0].kernel)

        # saving again numbers the checkpoints
        manager.save()
        manager.save()
        out["n_kept"] = len(manager.checkpoints)
        out["kept_names"] = ",".join(os.path.basename(p) for p in manager.checkpoints)
    return out
