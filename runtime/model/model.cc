#include "runtime/model/model.h"

namespace dml::model {

int64_t Model::input_features() const {
  int64_t n = 1;
  for (int64_t d : input_shape_) n *= d;
  return n;
}

void Model::SeatParameters(std::vector<torch::Tensor> params) {
  int64_t total = 0;
  for (const torch::Tensor& p : params) total += p.numel();
  flat_params_ = torch::zeros({total}, torch::kFloat32);
  flat_grads_ = torch::zeros({total}, torch::kFloat32);
  torch::NoGradGuard no_grad;
  int64_t offset = 0;
  for (torch::Tensor& p : params) {
    const int64_t n = p.numel();
    torch::Tensor values = flat_params_.narrow(0, offset, n).view(p.sizes());
    values.copy_(p);
    // set_ keeps the tensor object (and every module slot holding it) and
    // points it at the flat storage; the flat buffer does not require grad,
    // so the re-seated parameter is a leaf that can.
    p.set_(values);
    p.requires_grad_(true);
    p.mutable_grad() = flat_grads_.narrow(0, offset, n).view(p.sizes());
    offset += n;
  }
  params_ = std::move(params);
}

}  // namespace dml::model
