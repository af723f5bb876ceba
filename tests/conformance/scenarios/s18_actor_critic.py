"""Policy/value learning on a tiny corridor with a pit, actions pre-drawn with numpy."""

import numpy as np

DESCRIPTION = (
    "In the style of the TensorFlow 'Playing CartPole with the Actor-Critic method' tutorial "
    "(tensorflow.org/tutorials/reinforcement_learning/actor_critic): a subclassed keras.Model "
    "with a shared trunk and policy/value heads, a whole episode recorded on one GradientTape, "
    "discounted returns built by walking the reversed reward tensor and normalized with "
    "reduce_mean/reduce_std, a policy-gradient term on tf.math.log of softmax probabilities, "
    "a Huber (reduction='sum') value term, Adam. The environment is a numpy corridor and the "
    "actions come from numpy, not tf.random.categorical."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

CELLS = 6
DISCOUNT = 0.95
TINY = 1e-7
MAX_MOVES = 10
EPISODES = 5


class Corridor:
    """Cells 0..5: cell 0 is a pit (-1, ends), cell 5 the exit (+2, ends); -0.05 per move.
    Action 0 stays put, 1 moves right, 2 moves left."""

    def start(self):
        self.cell = 2
        return self.view()

    def view(self):
        v = np.zeros(CELLS, dtype=np.float32)
        v[self.cell] = 1.0
        return v

    def act(self, choice):
        self.cell += (0, 1, -1)[choice]
        if self.cell == 0:
            return self.view(), np.float32(-1.0), True
        if self.cell == CELLS - 1:
            return self.view(), np.float32(2.0), True
        return self.view(), np.float32(-0.05), False


def run(tf) -> dict:
    keras = tf.keras
    gen = np.random.RandomState(1818)

    class PolicyValueNet(keras.Model):
        def __init__(self):
            super().__init__()
            self.trunk = keras.layers.Dense(10, activation="tanh")
            self.policy = keras.layers.Dense(3)
            self.value = keras.layers.Dense(1)

        def call(self, obs):
            h = self.trunk(obs)
            return self.policy(h), self.value(h)

    net = PolicyValueNet()
    net(np.zeros((1, CELLS), np.float32))
    for part in (net.trunk, net.policy, net.value):
        part.set_weights(
            [gen.normal(0.0, 0.4, size=w.shape).astype(np.float32) for w in part.get_weights()]
        )

    value_loss = keras.losses.Huber(delta=0.5, reduction="sum")
    opt = keras.optimizers.Adam(learning_rate=0.02)
    world = Corridor()

    def normalized_returns(rewards):
        acc = tf.constant(0.0)
        backwards = []
        for r in tf.unstack(rewards[::-1]):
            acc = r + DISCOUNT * acc
            backwards.append(acc)
        g = tf.stack(backwards[::-1])
        centred = g - tf.math.reduce_mean(g)
        return centred / (tf.math.reduce_std(g) + TINY)

    ep_obj, ep_return, ep_len = [], [], []
    grads0 = None
    for _ in range(EPISODES):
        plan = gen.choice(3, size=MAX_MOVES, p=[0.2, 0.5, 0.3])
        obs = world.start()
        with tf.GradientTape() as tape:
            log_pi, baseline, rewards = [], [], []
            for choice in plan:
                logits, v = net(obs[None, :])
                log_pi.append(tf.math.log(tf.nn.softmax(logits))[0, int(choice)])
                baseline.append(v[0, 0])
                obs, r, finished = world.act(int(choice))
                rewards.append(r)
                if finished:
                    break
            log_pi = tf.stack(log_pi)
            baseline = tf.stack(baseline)
            targets = normalized_returns(tf.constant(rewards))
            advantage = tf.stop_gradient(targets - baseline)
            policy_term = -tf.math.reduce_sum(log_pi * advantage)
            value_term = value_loss(targets[:, None], baseline[:, None])
            objective = policy_term + 0.5 * value_term
        grads = tape.gradient(objective, net.trainable_variables)
        if grads0 is None:
            grads0 = [np.asarray(g) for g in grads]
        opt.apply_gradients(zip(grads, net.trainable_variables))
        ep_obj.append(float(objective))
        ep_return.append(float(np.sum(rewards)))
        ep_len.append(len(rewards))

    logits, v = net(np.eye(CELLS, dtype=np.float32))
    return {
        "episode_loss": np.array(ep_obj),
        "episode_reward": np.array(ep_return),
        "episode_length": np.array(ep_len),
        "first_grad_trunk_kernel": grads0[0],
        "first_grad_policy_kernel": grads0[2],
        "first_grad_value_bias": grads0[5],
        "final_policy": np.asarray(tf.nn.softmax(logits)),
        "final_values": np.asarray(v),
        "loss_dtype": str(objective.dtype.name),
    }
