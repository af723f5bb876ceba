"""Hand-made update rules (plain step, heavy ball, Adam-style moments) over tf.Variable."""

import numpy as np

DESCRIPTION = (
    "In the style of the TF Core guide 'Optimizers with TensorFlow Core APIs': update rules "
    "written by hand over tf.Variable (assign/assign_sub), a heavy-ball rule with per-variable "
    "velocity tensors, an adaptive-moment rule whose slots are tf.Variables made on first use "
    "and whose bias correction uses a Python step number, a tf.function gradient helper that "
    "takes a Python loss callable, and stopping on an eager tensor comparison."
)


def run(tf):
    class UpdateRule(tf.Module):
        """Shared driver: subclasses say how one variable moves given its gradient."""

        def __init__(self, step_size, name=None):
            super().__init__(name=name)
            self.step_size = step_size
            self.steps_taken = 0

        def describe(self):
            return f"{type(self).__name__}(step_size={self.step_size})"

        def apply(self, pairs):
            pairs = list(pairs)
            self.steps_taken += 1
            for slot, (g, var) in enumerate(pairs):
                self.move(slot, g, var)

    class PlainStep(UpdateRule):
        def move(self, slot, g, var):
            var.assign_sub(self.step_size * g)

    class HeavyBall(UpdateRule):
        def __init__(self, step_size, friction=0.8):
            super().__init__(step_size)
            self.friction = friction
            self.velocity = {}

        def move(self, slot, g, var):
            prev = self.velocity.get(slot, tf.zeros_like(var))
            vel = self.friction * prev - self.step_size * g
            self.velocity[slot] = vel
            var.assign_add(vel)

    class MomentScaled(UpdateRule):
        def __init__(self, step_size, decay1=0.85, decay2=0.99, floor=1e-8):
            super().__init__(step_size)
            self.decay1, self.decay2, self.floor = decay1, decay2, floor
            self.first, self.second = [], []

        def move(self, slot, g, var):
            if slot == len(self.first):
                self.first.append(tf.Variable(tf.zeros(var.shape), name=f"first_{slot}"))
                self.second.append(tf.Variable(tf.zeros(var.shape), name=f"second_{slot}"))
            m, v = self.first[slot], self.second[slot]
            m.assign(self.decay1 * m + (1.0 - self.decay1) * g)
            v.assign(self.decay2 * v + (1.0 - self.decay2) * g * g)
            k = self.steps_taken
            m_hat = m / (1.0 - self.decay1**k)
            v_hat = v / (1.0 - self.decay2**k)
            var.assign_sub(self.step_size * m_hat / (tf.sqrt(v_hat) + self.floor))

    def bowl(x):
        return 1.5 * (x - 0.5) ** 2

    def ripple(x):
        return x**2 + 0.4 * tf.math.sin(5.0 * x)

    @tf.function
    def slope(fn, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)

    def descend(rule, fn, start=-1.5, limit=30, tol=2e-3):
        x = tf.Variable(start)
        trail, stopped = [], -1
        for i in range(limit):
            g = slope(fn, x)
            rule.apply([(g, x)])
            trail.append(x.numpy())
            if tf.math.abs(g) < tol:
                stopped = i
                break
        return np.array(trail), stopped

    figures = {}
    cases = {
        "plain": (lambda: PlainStep(0.2), bowl),
        "plain_ripple": (lambda: PlainStep(0.04), ripple),
        "heavy_ball": (lambda: HeavyBall(0.08, 0.5), bowl),
        "moments": (lambda: MomentScaled(0.25), bowl),
        "moments_ripple": (lambda: MomentScaled(0.15), ripple),
    }
    for label, (make, fn) in cases.items():
        trail, stopped = descend(make(), fn)
        figures[f"{label}_path"] = trail
        figures[f"{label}_converged_at"] = stopped
        figures[f"{label}_final"] = float(trail[-1])

    # Several variables of different shapes at once: fit a quadratic curve.
    gen = np.random.RandomState(33)
    t = gen.uniform(-1.0, 1.0, size=12).astype(np.float32)
    y = (0.7 * t**2 - 0.2 * t + 0.1 + 0.05 * gen.normal(size=12)).astype(np.float32)
    t, y = tf.constant(t), tf.constant(y)
    coeffs = tf.Variable(gen.normal(size=(2,)).astype(np.float32))
    const = tf.Variable(0.3)
    rule = MomentScaled(0.1)
    curve_losses = []
    for _ in range(20):
        with tf.GradientTape() as tape:
            fit = coeffs[0] * t * t + coeffs[1] * t + const
            loss = tf.reduce_mean(tf.square(fit - y))
        rule.apply(zip(tape.gradient(loss, [coeffs, const]), [coeffs, const]))
        curve_losses.append(loss.numpy())
    figures["curve_losses"] = np.array(curve_losses)
    figures["curve_coeffs"] = coeffs.numpy()
    figures["curve_const"] = const.numpy()
    figures["rule_steps"] = rule.steps_taken
    figures["rule_first_moment_0"] = rule.first[0].numpy()
    figures["rule_second_moment_1"] = rule.second[1].numpy()
    figures["rule_n_variables"] = len(rule.variables)
    figures["title"] = PlainStep(0.2).describe()
    return figures
