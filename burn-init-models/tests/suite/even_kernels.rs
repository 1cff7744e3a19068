//! Even kernels with 'same' padding: Burn pads asymmetrically; every conv module must keep the
//! spatial size (or refuse with a typed error), never panic.

use burn::tensor::Tensor;
use burn_init_models::{
    DenseBlockConfig, DepthwiseSeparableConfig, InceptionSumConfig, UnetUpConfig,
};

use crate::common::gaussian;

per_device! {
    fn even_kernels_keep_the_spatial_size(device) {
        let x: Tensor<4> = gaussian([2, 4, 6, 6], 1, device);
        let inception = InceptionSumConfig::new(4).with_kernels(vec![2, 4]).init(1, device).unwrap();
        assert_eq!(inception.forward(x.clone()).dims(), [2, 4, 6, 6]);
        let separable = DepthwiseSeparableConfig::new(4, 8).with_kernel(2).init(2, device).unwrap();
        assert_eq!(separable.forward(x.clone()).dims(), [2, 8, 6, 6]);
        let dense = DenseBlockConfig::new(4).with_growth(2).with_layers(2).with_kernel(4).init(3, device).unwrap();
        assert_eq!(dense.forward(x.clone()).dims(), [2, 8, 6, 6]);
        let up = UnetUpConfig::new(4).with_kernel(2).init(4, device).unwrap();
        let low: Tensor<4> = gaussian([2, 4, 3, 3], 5, device);
        assert_eq!(up.forward(low, x).dims(), [2, 4, 6, 6]);
    }
}
