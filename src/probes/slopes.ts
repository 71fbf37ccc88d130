/**
 * The slope f'(z) of every activation gradscope builds, as a function of the activation's input z.
 *
 * Backpropagation multiplies the gradient by f'(z) at every unit, so f'(z) decides whether a unit passes
 * gradient at all. A unit is *dead* when its slope is (about) 0 on every example: then no gradient reaches
 * its incoming weights, whatever the loss. For ReLU that is exactly z <= 0 (output 0). For the smooth
 * relatives the negative side is not flat: ELU's slope there is alpha e^z, Swish's σ(z)(1 + z(1 - σ(z))),
 * so an output <= 0 does not make a unit dead; only a slope below `DEAD_SLOPE` on every example does.
 *
 * Formulas (σ = sigmoid, Φ/φ = standard normal cdf/pdf, softplus(z) = ln(1 + e^z)):
 *   relu      1 if z > 0 else 0
 *   leakyRelu 1 if z > 0 else alpha
 *   elu       1 if z > 0 else e^z                       (alpha = 1)
 *   selu      λ if z > 0 else λ α e^z                   (λ = 1.0507, α = 1.67326)
 *   gelu      Φ(z) + z φ(z)
 *   swish     σ(z) + z σ(z)(1 - σ(z))
 *   mish      tanh(sp) + z sech²(sp) σ(z),  sp = softplus(z)
 *   sigmoid   σ(z)(1 - σ(z));  tanh  1 - tanh²(z);  softsign  1 / (1 + |z|)²
 */

/** A unit whose slope stays below this on every example of the probe batch counts as dead. */
export const DEAD_SLOPE = 1e-3;

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** erf(x), Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7): plenty for a slope. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}

function softplus(z: number): number {
  return z > 30 ? z : Math.log1p(Math.exp(z));
}

/**
 * f'(z) for a named activation, as a function of its input z; null for an activation gradscope does not know.
 * `alpha` is leakyRelu's negative-side slope.
 */
export function slopeOfInput(activation: string, alpha = 0.3): ((z: number) => number) | null {
  switch (activation) {
    case 'relu':
      return (z) => (z > 0 ? 1 : 0);
    case 'leakyRelu':
      return (z) => (z > 0 ? 1 : alpha);
    case 'elu':
      return (z) => (z > 0 ? 1 : Math.exp(z));
    case 'selu':
      return (z) => (z > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(z));
    case 'gelu':
      return (z) => 0.5 * (1 + erf(z / Math.SQRT2)) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
    case 'swish':
      return (z) => {
        const s = sigmoid(z);
        return s + z * s * (1 - s);
      };
    case 'mish':
      return (z) => {
        const t = Math.tanh(softplus(z));
        return t + z * (1 - t * t) * sigmoid(z);
      };
    case 'sigmoid':
      return (z) => {
        const s = sigmoid(z);
        return s * (1 - s);
      };
    case 'tanh':
      return (z) => 1 - Math.tanh(z) ** 2;
    case 'softsign':
      return (z) => 1 / (1 + Math.abs(z)) ** 2;
    default:
      return null;
  }
}

/**
 * f'(z) read off the output a = f(z), where the activation allows it (it is invertible there); null otherwise.
 * Used when the activation sits inside a Dense layer, whose input z the probe does not see.
 */
export function slopeOfOutput(activation: string, alpha = 0.3): ((a: number) => number) | null {
  switch (activation) {
    case 'sigmoid':
      return (a) => a * (1 - a);
    case 'tanh':
      return (a) => 1 - a * a;
    case 'softsign':
      return (a) => (1 - Math.abs(a)) ** 2;
    case 'relu':
      return (a) => (a > 0 ? 1 : 0);
    case 'leakyRelu':
      return (a) => (a > 0 ? 1 : alpha);
    case 'elu':
      // a = e^z - 1 for z <= 0, so f'(z) = e^z = a + 1
      return (a) => (a > 0 ? 1 : a + 1);
    case 'selu':
      // a = λ α (e^z - 1) for z <= 0, so f'(z) = λ α e^z = a + λ α
      return (a) => (a > 0 ? SELU_SCALE : a + SELU_SCALE * SELU_ALPHA);
    default:
      return null;
  }
}
