import type { JsonObject } from '../internal/index.js';
import type { LikelihoodConfig } from '../losses/index.js';

/**
 * The persisted description of a VAE: plain JSON, kept on the model as `vae.config` and saved
 * in `vae.json`.
 *
 * @category Models
 */
export interface VAEConfig {
  /** The builder that made the model (`'buildConvVAE'`, `'buildVAE'`, ...). */
  builder: string;
  /** Size of the latent space. */
  latentDim: number;
  /** Data shape without the batch axis, e.g. `[28, 28, 1]`. */
  inputShape: number[];
  /** Number of classes of a conditional model; 0 when unconditional. */
  numClasses: number;
  /** Weight of the KL term (beta-VAE); 1 is the plain ELBO. */
  beta: number;
  /** Free-bits floor per latent dimension, in nats; 0 disables it. */
  freeBits: number;
  /** The likelihood `p(x | z)`. */
  likelihood: LikelihoodConfig;
  /** The builder's own resolved configuration (filters, units, ...), for records and rebuilding. */
  architecture: JsonObject;
}
