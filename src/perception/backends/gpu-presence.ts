// Whether this machine shows a GPU at all. Used to tell an expected provider fallback (no GPU, so
// "cuda" cannot load) from one worth a line on stderr (a GPU is there, yet its provider failed).
import { existsSync } from 'node:fs';

/** The NVIDIA driver exposes these when its GPU is usable from this machine (or container). */
export const NVIDIA_MARKERS = ['/proc/driver/nvidia/version', '/dev/nvidia0'] as const;
/** A render node: some GPU with a kernel driver (what Vulkan, and so webgpu, would use). */
export const RENDER_NODE = '/dev/dri/renderD128';

export interface GpuPresence {
  nvidia: boolean;
  renderNode: boolean;
  /** The first marker found, or what was looked for. */
  evidence: string;
}

export function gpuPresence(): GpuPresence {
  const nvidia = NVIDIA_MARKERS.find((m) => existsSync(m));
  const renderNode = existsSync(RENDER_NODE);
  const evidence = nvidia ?? (renderNode ? RENDER_NODE : `none of ${[...NVIDIA_MARKERS, RENDER_NODE].join(', ')} exists`);
  return { nvidia: nvidia !== undefined, renderNode, evidence };
}

/** Whether a provider failing to load is what this machine leads one to expect (no GPU for it). */
export function expectedToBeMissing(provider: string, gpu: GpuPresence = gpuPresence()): boolean {
  if (provider === 'cuda') return !gpu.nvidia;
  if (provider === 'webgpu') return !gpu.nvidia && !gpu.renderNode;
  return false;
}
