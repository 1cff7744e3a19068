//! The kernel's output as a tensor of Burn's CubeCL backend, whichever that type is: Burn's
//! `fusion` feature (off in this workspace, on in some applications) turns `burn_cubecl::Cube`
//! from `CubeBackend` into `Fusion<CubeBackend>`, whose float tensor is a handle of the fusion
//! stream rather than a CubeCL buffer. burn-init cannot see that feature (a dependency's
//! features are not visible to `cfg`), so both types implement [`FromKernel`] and the alias picks
//! one. The fused form registers the buffer with the stream exactly as `Fusion`'s own
//! `float_from_data` registers an uploaded one: an `Init` operation with no work to do.

use burn::tensor::{DType, Tensor};
use burn_cubecl::tensor::CubeTensor;
use burn_cubecl::{CubeBackend, CubeDevice};
use burn_fusion::stream::StreamId;
use burn_fusion::{Fusion, FusionBackend, NoOp, get_client};
use burn_ir::{InitOperationIr, OperationIr, OperationOutput};

/// A CubeCL backend that can take a finished kernel buffer as one of its float tensors.
pub(crate) trait FromKernel: burn::backend::Backend {
    /// `tensor` (f32, contiguous, on `device`) as this backend's float tensor.
    fn from_kernel(tensor: CubeTensor, device: &Self::Device) -> Self::FloatTensorPrimitive;
}

impl FromKernel for CubeBackend {
    fn from_kernel(tensor: CubeTensor, _device: &Self::Device) -> Self::FloatTensorPrimitive {
        tensor
    }
}

impl<B> FromKernel for Fusion<B>
where
    B: FusionBackend + FromKernel,
{
    fn from_kernel(tensor: CubeTensor, device: &Self::Device) -> Self::FloatTensorPrimitive {
        let client = get_client::<B>(device);
        let inner = B::from_kernel(tensor, device);
        let shape = burn::backend::TensorMetadata::shape(&inner);
        let handle = B::float_tensor_handle(inner);
        let init =
            InitOperationIr::create(shape, DType::F32, || client.register_tensor_handle(handle));
        client
            .register(
                StreamId::current(),
                OperationIr::Init(init),
                NoOp::<B>::new(),
            )
            .output()
    }
}

/// `tensor` as a Burn tensor of `burn_cubecl::Cube`, fused or not.
pub(crate) fn into_tensor(tensor: CubeTensor, device: &CubeDevice) -> Tensor<1> {
    let primitive = <burn_cubecl::Cube as FromKernel>::from_kernel(tensor, device);
    Tensor::<1>::from_primitive::<burn_cubecl::Cube>(primitive)
}

/// Whether Burn's `fusion` feature is on in this build (the kernel's buffers then go through
/// [`FromKernel`]'s fused form): for the test that checks the fused build is the one tested.
pub(crate) fn is_fused() -> bool {
    std::any::TypeId::of::<burn_cubecl::Cube>() != std::any::TypeId::of::<CubeBackend>()
}
