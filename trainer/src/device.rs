//! Backend choice. Backends are cargo features of this crate (`ndarray` by default; `flex`,
//! `tch`, `wgpu`, `vulkan`, `cuda`), and one build can run any of those it was built with: the
//! backend is picked at run time through burn's `Device`.

use anyhow::{Result, bail};
use burn::prelude::Device;

/// A backend to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The first GPU backend compiled in (CUDA, then wgpu), else the CPU.
    Auto,
    /// The fastest CPU backend compiled in: tch, else ndarray, else flex.
    Cpu,
    Ndarray,
    Flex,
    /// LibTorch on the CPU (feature `tch`, a PyTorch installation; see README).
    Tch,
    Wgpu,
    Vulkan,
    Cuda,
}

/// The backends compiled into this build.
pub fn compiled() -> Vec<&'static str> {
    let gpus =
        [(cfg!(feature = "cuda"), "cuda"), (cfg!(feature = "wgpu"), "wgpu"), (cfg!(feature = "vulkan"), "vulkan")];
    let gpus = gpus.into_iter().filter(|(on, _)| *on).map(|(_, name)| name);
    gpus.chain(compiled_cpu().into_iter().map(Backend::name)).collect()
}

/// The CPU backends compiled into this build.
pub fn compiled_cpu() -> Vec<Backend> {
    let mut v = Vec::new();
    if cfg!(feature = "ndarray") {
        v.push(Backend::Ndarray);
    }
    if cfg!(feature = "flex") {
        v.push(Backend::Flex);
    }
    if cfg!(feature = "tch") {
        v.push(Backend::Tch);
    }
    v
}

impl Backend {
    /// The name `--backend` takes.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Auto => "auto",
            Backend::Cpu => "cpu",
            Backend::Ndarray => "ndarray",
            Backend::Flex => "flex",
            Backend::Tch => "tch",
            Backend::Wgpu => "wgpu",
            Backend::Vulkan => "vulkan",
            Backend::Cuda => "cuda",
        }
    }
}

/// Resolves a backend choice into a device and its name.
pub fn select(choice: Backend) -> Result<(Device, &'static str)> {
    let choice = match choice {
        Backend::Auto if cfg!(feature = "cuda") => Backend::Cuda,
        Backend::Auto if cfg!(feature = "wgpu") => Backend::Wgpu,
        // The fastest CPU backend compiled in (measured by `exedec bench-train`): LibTorch,
        // then ndarray, then flex.
        Backend::Auto | Backend::Cpu => {
            if cfg!(feature = "tch") {
                Backend::Tch
            } else if cfg!(feature = "ndarray") {
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
        Backend::Tch => {
            #[cfg(feature = "tch")]
            {
                (Device::libtorch(), "tch (LibTorch CPU)")
            }
            #[cfg(not(feature = "tch"))]
            bail!("this build has no tch backend; rebuild with --features tch (compiled: {:?})", compiled())
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
                check_cuda_driver()?;
                (Device::cuda(0), "cuda (GPU 0)")
            }
            #[cfg(not(feature = "cuda"))]
            bail!("this build has no cuda backend; rebuild with --features cuda (compiled: {:?})", compiled())
        }
        Backend::Auto | Backend::Cpu => unreachable!("resolved above"),
    };
    Ok(device)
}

/// burn-cuda loads the NVIDIA driver's `libcuda` when its device starts and panics (on its
/// own thread) where there is none: look for it first, so that a machine without the driver
/// gets an error instead.
#[cfg(feature = "cuda")]
fn check_cuda_driver() -> Result<()> {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let loads = |name: &std::ffi::CStr| {
            // SAFETY: dlopen gets a valid C string; a handle it returns is closed at once.
            unsafe {
                let handle = libc::dlopen(name.as_ptr(), libc::RTLD_LAZY | libc::RTLD_LOCAL);
                !handle.is_null() && libc::dlclose(handle) == 0
            }
        };
        if !loads(c"libcuda.so.1") && !loads(c"libcuda.so") {
            bail!(
                "the cuda backend needs the NVIDIA driver's libcuda.so.1, which is not on this machine's library path \
                 (compiled: {:?})",
                compiled()
            );
        }
    }
    Ok(())
}

/// Sets how many threads the CPU backends of this process use (call before any tensor work):
/// rayon's global pool (ndarray, flex) and LibTorch's intra-op threads (tch). `None` keeps
/// each backend's default (all cores).
pub fn set_threads(threads: Option<usize>) -> Result<()> {
    let Some(n) = threads else { return Ok(()) };
    if n == 0 {
        bail!("--threads must be positive");
    }
    // Fails only when the pool was already built with this process's first parallel work;
    // the thread count then stays what it was.
    if rayon::ThreadPoolBuilder::new().num_threads(n).build_global().is_err() && rayon::current_num_threads() != n {
        bail!("the thread pool was started before --threads could be applied");
    }
    #[cfg(feature = "tch")]
    tch::set_num_threads(n as i32);
    Ok(())
}

/// Limits the backend threads that work started from the calling thread may use (LibTorch's
/// intra-op threads are set per thread); a no-op for the other backends, whose pools are
/// shared.
pub fn limit_this_thread(threads: usize) {
    #[cfg(feature = "tch")]
    tch::set_num_threads(threads.max(1) as i32);
    #[cfg(not(feature = "tch"))]
    let _ = threads;
}

/// Tells glibc's allocator to keep freed memory for reuse instead of returning it to the
/// system after every step: a training step allocates and frees the same large tensors again
/// and again, and each fresh mapping costs page faults (a few percent of a step on the CPU
/// backends, LibTorch's allocations included).
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; it is called before training starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 256 << 20);
    }
}
