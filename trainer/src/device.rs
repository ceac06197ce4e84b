//! Backend choice. Backends are cargo features of this crate (`ndarray` by default; `flex`,
//! `wgpu`, `vulkan`, `cuda`), and one build can run any of those it was built with: the
//! backend is picked at run time through burn's `Device`.

use anyhow::{Result, bail};
use burn::prelude::Device;

/// A backend to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The first GPU backend compiled in (CUDA, then wgpu), else the CPU.
    Auto,
    /// The default CPU backend (ndarray).
    Cpu,
    Ndarray,
    Flex,
    Wgpu,
    Vulkan,
    Cuda,
}

/// The backends compiled into this build.
pub fn compiled() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "cuda") {
        v.push("cuda");
    }
    if cfg!(feature = "wgpu") {
        v.push("wgpu");
    }
    if cfg!(feature = "vulkan") {
        v.push("vulkan");
    }
    if cfg!(feature = "ndarray") {
        v.push("ndarray");
    }
    if cfg!(feature = "flex") {
        v.push("flex");
    }
    v
}

/// Resolves a backend choice into a device and its name.
pub fn select(choice: Backend) -> Result<(Device, &'static str)> {
    let choice = match choice {
        Backend::Auto if cfg!(feature = "cuda") => Backend::Cuda,
        Backend::Auto if cfg!(feature = "wgpu") => Backend::Wgpu,
        Backend::Auto | Backend::Cpu => {
            if cfg!(feature = "ndarray") {
                Backend::Ndarray
            } else {
                Backend::Flex
            }
        }
        other => other,
    };
    #[allow(unreachable_code, deprecated)]
    let device = match choice {
        Backend::Ndarray => {
            #[cfg(feature = "ndarray")]
            {
                (Device::ndarray(), "ndarray (CPU)")
            }
            #[cfg(not(feature = "ndarray"))]
            bail!("this build has no ndarray backend (compiled: {:?})", compiled())
        }
        Backend::Flex => {
            #[cfg(feature = "flex")]
            {
                (Device::flex(), "flex (CPU)")
            }
            #[cfg(not(feature = "flex"))]
            bail!("this build has no flex backend; rebuild with --features flex (compiled: {:?})", compiled())
        }
        Backend::Wgpu => {
            #[cfg(feature = "wgpu")]
            {
                (Device::wgpu(Default::default()), "wgpu (GPU)")
            }
            #[cfg(not(feature = "wgpu"))]
            bail!("this build has no wgpu backend; rebuild with --features wgpu (compiled: {:?})", compiled())
        }
        Backend::Vulkan => {
            #[cfg(feature = "vulkan")]
            {
                (Device::vulkan(Default::default()), "vulkan (GPU)")
            }
            #[cfg(not(feature = "vulkan"))]
            bail!("this build has no vulkan backend; rebuild with --features vulkan (compiled: {:?})", compiled())
        }
        Backend::Cuda => {
            #[cfg(feature = "cuda")]
            {
                (Device::cuda(0), "cuda (GPU 0)")
            }
            #[cfg(not(feature = "cuda"))]
            bail!("this build has no cuda backend; rebuild with --features cuda (compiled: {:?})", compiled())
        }
        Backend::Auto | Backend::Cpu => unreachable!("resolved above"),
    };
    Ok(device)
}
