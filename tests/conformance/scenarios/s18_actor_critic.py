"""Actor-critic on a tiny deterministic chain environment, fixed action choices."""

import numpy as np

DESCRIPTION = (
    "Follows the TensorFlow 'Playing CartPole with the Actor-Critic method' tutorial "
    "(tensorflow.org/tutorials/reinforcement_learning/actor_critic): a shared body with actor "
    "and critic heads, discounted standardized returns, Huber critic loss, policy gradient "
    "with tf.math.log of softmax probabilities. The environment is a numpy chain and the "
    "actions are pre-drawn with numpy instead of tf.random.categorical."
)

TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

N_STATES = 5
GAMMA = 0.9
EPS = np.finfo(np.float32).eps.item()


class ChainEnv:
    """Walk left/right on a chain; reward 1 at the right end, -0.1 per step otherwise."""

    def reset(self):
        self.pos = 1
        return self._obs()

    def _obs(self):
        o = np.zeros(N_STATES, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, action):
        self.pos = max(0, min(N_STATES - 1, self.pos + (1 if action == 1 else -1)))
        done = self.pos == N_STATES - 1
        return self._obs(), np.float32(1.0 if done else -0.1), done


def run(tf) -> dict:
    keras = tf.keras
    rng = np.random.RandomState(18)

    class ActorCritic(keras.Model):
        def __init__(self, num_actions, num_hidden):
            super().__init__()
            self.common = keras.layers.Dense(num_hidden, activation="relu")
            self.actor = keras.layers.Dense(num_actions)
            self.critic = keras.layers.Dense(1)

        def call(self, inputs):
            x = self.common(inputs)
            return self.actor(x), self.critic(x)

    model = ActorCritic(2, 8)
    model(np.zeros((1, N_STATES), np.float32))
    for layer in (model.common, model.actor, model.critic):
        layer.set_weights(
            [rng.randn(*w.shape).astype(np.float32) * 0.5 for w in layer.get_weights()]
        )

    huber_loss = keras.losses.Huber(reduction="sum")
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    env = ChainEnv()

    def get_expected_return(rewards, standardize=True):
        n = tf.shape(rewards)[0]
        returns = []
        discounted_sum = tf.constant(0.0)
        rewards = tf.cast(rewards[::-1], dtype=tf.float32)
        for i in range(int(n)):
            discounted_sum = rewards[i] + GAMMA * discounted_sum
            returns.append(discounted_sum)
        returns = tf.stack(returns)[::-1]
        if standardize:
            returns = (returns - tf.math.reduce_mean(returns)) / (tf.math.reduce_std(returns) + EPS)
        return returns

    def compute_loss(action_probs, values, returns):
        advantage = returns - values
        action_log_probs = tf.math.log(action_probs)
        actor_loss = -tf.math.reduce_sum(action_log_probs * advantage)
        critic_loss = huber_loss(values, returns)
        return actor_loss + critic_loss

    ep_losses, ep_rewards, ep_lengths = [], [], []
    first_grads = None
    for _ in range(4):
        actions = rng.rand(12) < 0.7  # mostly right
        state = env.reset()
        with tf.GradientTape() as tape:
            probs, values, rewards = [], [], []
            for t in range(12):
                logits, value = model(tf.expand_dims(tf.constant(state), 0))
                action = int(actions[t])
                action_probs_t = tf.nn.softmax(logits)
                probs.append(action_probs_t[0, action])
                values.append(tf.squeeze(value))
                state, reward, done = env.step(action)
                rewards.append(reward)
                if done:
                    break
            action_probs = tf.stack(probs)
            values = tf.stack(values)
            returns = get_expected_return(tf.constant(np.array(rewards, dtype=np.float32)))
            action_probs, values, returns = [
                tf.expand_dims(x, 1) for x in [action_probs, values, returns]
            ]
            loss = compute_loss(action_probs, values, returns)
        grads = tape.gradient(loss, model.trainable_variables)
        if first_grads is None:
            first_grads = [np.asarray(g) for g in grads]
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        ep_losses.append(float(loss))
        ep_rewards.append(float(np.sum(rewards)))
        ep_lengths.append(len(rewards))

    logits, value = model(np.eye(N_STATES, dtype=np.float32))
    return {
        "episode_loss": np.array(ep_losses),
        "episode_reward": np.array(ep_rewards),
        "episode_length": np.array(ep_lengths),
        "first_grad_actor_kernel": first_grads[2],
        "first_grad_critic_bias": first_grads[5],
        "first_grad_common_kernel": first_grads[0],
        "final_policy": np.asarray(tf.nn.softmax(logits)),
        "final_values": np.asarray(value),
        "loss_dtype": str(loss.dtype.name),
    }
