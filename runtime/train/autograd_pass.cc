#include "runtime/train/autograd_pass.h"

#include <cstring>

namespace dml::train {

AutogradPass::AutogradPass(model::Model& model) : model_(model) {
  batch_shape_.push_back(0);
  batch_shape_.insert(batch_shape_.end(), model.input_shape().begin(), model.input_shape().end());
}

double AutogradPass::ForwardBackward(const float* x, const int64_t* labels, int64_t rows, float grad_multiplier,
                                     float* grads_out) {
  batch_shape_[0] = rows;
  // The batch's memory as tensors, no copy: nothing below writes to them.
  torch::Tensor images = torch::from_blob(const_cast<float*>(x), batch_shape_, torch::kFloat32);
  torch::Tensor targets = torch::from_blob(const_cast<int64_t*>(labels), {rows}, torch::kInt64);
  model_.ZeroGrad();  // backward accumulates into the flat buffer
  torch::Tensor loss = torch::nn::functional::cross_entropy(model_.Forward(images), targets);
  // Seeding backward with the multiplier scales every gradient by it, with
  // no extra pass over the buffer.
  loss.backward(torch::full({}, grad_multiplier, torch::kFloat32));
  if (grads_out != nullptr) {
    const torch::Tensor& grads = model_.flat_grads();
    std::memcpy(grads_out, grads.data_ptr<float>(), static_cast<size_t>(grads.numel()) * sizeof(float));
  }
  return loss.item<double>();
}

}  // namespace dml::train
