/**
 * The gradient of Conv2DBackpropFilter, which tfjs 4.22 does not register.
 * A convolution's filter gradient is itself differentiated when a loss
 * depends on a training step: Unrolled GAN's generator loss looks through K
 * differentiable discriminator updates, so with a convolutional D its
 * gradient passes through every conv layer's filter gradient ("gradient
 * function not found for Conv2DBackpropFilter" without this).
 *
 * dW = Conv2DBackpropFilter(x, dy) is bilinear:
 *   dW[a, b, i, o] = Σ_{n, r, c} x[n, r·s + a − p, c·s + b − p, i] · dy[n, r, c, o]
 * so for an upstream gradient G shaped like dW:
 *   ∂/∂dy = conv2d(x, G)                (the forward convolution of x with G)
 *   ∂/∂x  = conv2dTranspose(dy, G)      (Conv2DBackpropInput of dy with G)
 * with the forward pass's strides and padding. Backend-agnostic: written with
 * public ops, so each backend runs its own kernels.
 */
import * as tf from '@tensorflow/tfjs';

interface FilterGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

let registered = false;

/** Register once per process (the gradient registry is global, shared by every backend). */
export function registerSecondOrderGradients(): void {
  if (registered || tf.getGradient('Conv2DBackpropFilter')) {
    registered = true;
    return;
  }
  registered = true;
  tf.registerGradient({
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (upstream, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as FilterGradAttrs;
      if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter gradient: only NHWC is supported');
      const g = (Array.isArray(upstream) ? upstream[0] : upstream) as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy, g, x.shape, strides, pad as 'valid' | 'same', dimRoundingMode),
        dy: () => tf.conv2d(x, g, strides, pad as 'valid' | 'same', 'NHWC', 1, dimRoundingMode),
      };
    },
  });
}
