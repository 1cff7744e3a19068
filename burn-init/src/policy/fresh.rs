//! A parameter's replacement, built without ever running the initializer it replaces.
//!
//! Burn's layers create their parameters lazily (`Param::uninitialized`): the first read of the
//! value runs Burn's initializer. Reading `dims()` or mapping the value (`Param::map`) would run
//! it only to throw its values away — on a GPT-2-small-shaped model that was 1.7 s of Burn's
//! sampling before burn-init drew anything. Everything a replacement must keep is reachable
//! without it:
//!
//! * the shape: `lazy_shape` (see [`shape`] for the one case where that is not the final shape);
//! * the device: `lazy_device`;
//! * the `ParamId`, the configured require-grad flag and the load/save mappers (Burn's
//!   `LinearLayout::Col` transposes on save and load): `transform_for_load` — Burn's own path
//!   for loading a checkpoint into a lazy module — hands them over with a placeholder value
//!   and drops the pending initializer unrun;
//! * the dtype: new values are created with the device's default float dtype, as Burn's
//!   initializer creates them; a materialised parameter keeps its own dtype.

use std::sync::Arc;

use burn::module::{Param, ParamId};
use burn::tensor::{Device, Shape, Tensor, TensorData};

/// Where a replacement's values come from.
pub(crate) enum Fresh {
    /// Drawn already (the manifest has their moments).
    Values(Vec<f32>),
    /// Drawn on first use of the parameter, on its device.
    Lazy(Lazy),
}

/// A draw made on first use: on the device by burn-init's own kernel where it applies (the
/// `device-stream` feature), otherwise on the host and uploaded; the same bits either way.
#[derive(Clone)]
pub(crate) struct Lazy {
    /// The host's draw.
    pub(crate) host: Arc<dyn Fn() -> Vec<f32> + Send + Sync>,
    /// The device's draw, `None` where the kernel does not apply to this parameter or device.
    pub(crate) device: Option<DeviceDraw>,
}

/// The values drawn on `device`, flat, or `None` when the kernel does not apply there.
pub(crate) type DeviceDraw = Arc<dyn Fn(&Device) -> Option<Tensor<1>> + Send + Sync>;

/// The mappers a parameter carries, read from its `Debug` text (`Param: <id> - ParamMapper {
/// load: …, save: … }`): Burn exposes no other way to ask without consuming the parameter.
struct Mappers {
    load: bool,
    save: bool,
}

fn mappers<const D: usize>(param: &Param<Tensor<D>>) -> Mappers {
    let text = format!("{param:?}");
    Mappers {
        load: text.contains("load: true"),
        save: text.contains("save: true"),
    }
}

/// The shape of the parameter's value in memory, without running a pending initializer.
///
/// `lazy_shape` is the shape the initializer is asked for; a load mapper may change it
/// afterwards (Burn's `LinearLayout::Col` draws `[d_out, d_in]` and transposes to `[d_in, d_out]`
/// through an init mapper paired with load and save mappers). For a lazy parameter with a load
/// mapper, the final shape is therefore read by loading an uninitialised placeholder into a
/// clone — exactly what loading a checkpoint does — which costs one allocation and no sampling.
/// A bare `init_mapper` that changes the shape without a load mapper cannot be seen; Burn's own
/// layers have none.
pub(crate) fn shape<const D: usize>(param: &Param<Tensor<D>>) -> Vec<usize> {
    let lazy = param.lazy_shape();
    if param.is_initialized() || !mappers(param).load {
        return lazy.as_slice().to_vec();
    }
    let device = param.lazy_device();
    let loaded = param
        .clone()
        .transform_for_load(Tensor::empty(lazy, &device), param.id);
    loaded.lazy_shape().as_slice().to_vec()
}

/// `param` with new values of `shape` (its final shape, from [`shape`]), keeping its id, device,
/// require-grad flag, mappers and — when materialised — dtype. Burn's pending initializer, if
/// any, never runs.
pub(crate) fn replace<const D: usize>(
    param: Param<Tensor<D>>,
    shape: &[usize],
    fresh: Fresh,
) -> Param<Tensor<D>> {
    let dtype = param.is_initialized().then(|| param.dtype());
    let present = mappers(&param);
    let device = param.lazy_device();
    // The shape Burn declares for a pending value: a checkpoint's shape (before load mappers),
    // which Burn checks records against. A materialised parameter with a save mapper
    // (`LinearLayout::Col`) holds the other orientation: its checkpoint shape is what saving gives.
    let declared = if param.is_initialized() && present.save {
        param.transform_for_save().lazy_shape()
    } else {
        param.lazy_shape()
    };
    // A load mapper sees a placeholder of the shape a checkpoint would have; otherwise one
    // element is enough.
    let placeholder: Shape = if present.load {
        param.lazy_shape()
    } else {
        Shape::from([1; D])
    };
    let id = param.id;
    let loaded = param.transform_for_load(Tensor::empty(placeholder, &device), id);
    // On an autodiff device the loaded value requires grad exactly when the parameter is
    // configured to; elsewhere nothing requires grad and the flag lives in the mapper below.
    let require_grad = loaded.val().is_require_grad();
    let (id, _placeholder, mapper) = loaded.consume();
    let shape = Shape::from(shape.to_vec());
    match fresh {
        Fresh::Values(values) => {
            let tensor = upload::<D>(values, shape, &device, dtype);
            // `from_mapped_value` restores the configured require-grad flag and the mappers.
            Param::from_mapped_value(id, tensor.set_require_grad(require_grad), mapper)
        }
        Fresh::Lazy(draw) => {
            let pending = Pending {
                draw,
                declared,
                shape,
                dtype,
            };
            lazy(id, pending, device, require_grad, present, mapper)
        }
    }
}

/// A value drawn on first use.
struct Pending {
    draw: Lazy,
    /// The shape declared to Burn (a checkpoint's: `[d_out, d_in]` for `LinearLayout::Col`).
    declared: Shape,
    /// The shape of the value in memory.
    shape: Shape,
    /// The value's dtype; `None`: the device's default float dtype.
    dtype: Option<burn::tensor::DType>,
}

/// A lazy parameter drawing `pending` on first use. Burn's public API does not expose a lazy
/// parameter's configured require-grad flag on a device without autodiff: there it is taken as
/// `true`, Burn's layers' own default (on an autodiff device it is exact).
fn lazy<const D: usize>(
    id: ParamId,
    pending: Pending,
    device: Device,
    require_grad: bool,
    present: Mappers,
    mapper: burn::module::ParamMapper<Tensor<D>>,
) -> Param<Tensor<D>> {
    let Pending {
        draw,
        declared,
        shape,
        dtype,
    } = pending;
    let configured = require_grad || !device.is_autodiff();
    let mut param = Param::uninitialized(
        id,
        move |device: &Device, require_grad: bool| {
            // Persistent memory, as Burn's initializer and `upload` allocate parameters.
            let on_device = draw
                .device
                .as_ref()
                .and_then(|d| device.memory_persistent_allocations((), |()| d(device)));
            let tensor = match on_device {
                Some(flat) => with_dtype(flat.reshape(shape.clone()), dtype),
                None => upload::<D>((draw.host)(), shape.clone(), device, dtype),
            };
            tensor.set_require_grad(require_grad)
        },
        device,
        configured,
        declared,
    );
    if present.load {
        let mapper = mapper.clone();
        param = param.load_mapper(move |tensor| mapper.on_load(tensor));
    }
    if present.save {
        param = param.save_mapper(move |tensor| mapper.on_save(tensor));
    }
    param
}

/// Host values → a tensor on `device` (persistent memory, as Burn's initializer allocates), in
/// `dtype` or the device's default float dtype.
fn upload<const D: usize>(
    values: Vec<f32>,
    shape: Shape,
    device: &Device,
    dtype: Option<burn::tensor::DType>,
) -> Tensor<D> {
    let tensor: Tensor<D> = device
        .memory_persistent_allocations(TensorData::new(values, shape), |data| {
            Tensor::from_data(data, device)
        });
    with_dtype(tensor, dtype)
}

/// `tensor` in `dtype` (`None`: as it is, the device's default float dtype).
fn with_dtype<const D: usize>(tensor: Tensor<D>, dtype: Option<burn::tensor::DType>) -> Tensor<D> {
    match dtype {
        Some(dtype) if dtype != tensor.dtype() => tensor.cast(dtype),
        _ => tensor,
    }
}
