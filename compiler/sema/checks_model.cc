// The model against the dataset: one sample's shape in, the classes out, and
// a cnn's image that its conv and pool layers must not shrink below 1x1
// (each conv: kernel, stride 1, no padding; each pool: 2x2, stride 2, floor).
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/checks.h"
#include "runtime/plan/cnn_geometry.h"

namespace dml::sema {
namespace {

std::vector<int64_t> Ints(const Value* list) {
  std::vector<int64_t> out;
  if (list == nullptr || list->kind != ValueKind::kList) return out;
  for (const Value& item : list->items) out.push_back(item.int_value);
  return out;
}

// "[1, 28, 28]"
std::string ListText(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i > 0 ? ", " : "") + std::to_string(values[i]);
  return text + "]";
}

// Where a field's value shows: the value, or (a default) the record's name.
diag::SourceRange At(const Value& record, const char* field) {
  const FieldValue* entry = record.FieldEntry(field);
  if (entry == nullptr) return record.range;
  return entry->value ? entry->value->range : entry->name_range;
}

bool IsDefaulted(const Value& record, const char* field) {
  const FieldValue* entry = record.FieldEntry(field);
  return entry != nullptr && entry->value != nullptr && entry->name_range == entry->value->range;
}

std::string ModelName(const Value& model) {
  return model.record_type == "torchscript" ? "torchscript model" : model.record_type;
}

std::string DatasetName(const Value& dataset) {
  const Value* name = dataset.Field("name");
  return name ? "`" + name->text + "`" : std::string("the dataset");
}

// A [C, H, W] list: exactly three entries.
bool CheckShapeList(const Value& record, const char* field, const char* what, diag::DiagnosticSink& sink) {
  const Value* list = record.Field(field);
  if (list == nullptr || list->kind != ValueKind::kList) return false;
  if (list->items.size() == 3) return true;
  sink.Report({diag::Kind::value_out_of_range, list->range,
               std::string("`") + field + "` of " + what + " must have 3 entries (channels, height, width), found " +
                   std::to_string(list->items.size()),
               {}, {"e.g. [1, 28, 28] for a grey 28x28 image, [3, 32, 32] for a colour 32x32 one"}});
  return false;
}

void CheckInput(const Value& model, const Value& dataset, diag::DiagnosticSink& sink) {
  const std::vector<int64_t> shape = Ints(dataset.Field("shape"));
  const diag::Note shape_note{At(dataset, "shape"), DatasetName(dataset) + "'s samples are " + ListText(shape) +
                                                        (IsDefaulted(dataset, "shape") ? " (the default shape)" : "")};
  if (model.record_type == "mlp") {
    const std::vector<int64_t> layers = Ints(model.Field("layers"));
    if (layers.empty() || shape.size() != 3) return;
    const int64_t features = shape[0] * shape[1] * shape[2];
    if (layers.front() == features) return;
    const Value& first = model.Field("layers")->items.front();
    sink.Report({diag::Kind::input_shape_mismatch, first.range,
                 "the mlp's first layer has " + std::to_string(layers.front()) + " inputs, but a sample of " +
                     DatasetName(dataset) + " has " + std::to_string(features) + " values (" + ListText(shape) + ")",
                 {shape_note}, {"an mlp reads the sample flattened: make its first layer " + std::to_string(features)}});
    return;
  }
  const std::vector<int64_t> input = Ints(model.Field("input"));
  if (input.size() != 3 || shape.size() != 3 || input == shape) return;
  sink.Report({diag::Kind::input_shape_mismatch, At(model, "input"),
               "the " + ModelName(model) + "'s input " + ListText(input) +
                   (IsDefaulted(model, "input") ? " (the default)" : "") + " does not match the samples of " +
                   DatasetName(dataset),
               {shape_note}, {"set `input = " + ListText(shape) + "`"}});
}

void CheckClasses(const Value& model, const Value& dataset, diag::DiagnosticSink& sink) {
  const Value* classes = dataset.Field("classes");
  if (classes == nullptr) return;
  const diag::Note note{At(dataset, "classes"), DatasetName(dataset) + " has " + std::to_string(classes->int_value) +
                                                    " classes" +
                                                    (IsDefaulted(dataset, "classes") ? " (the default)" : "")};
  if (model.record_type == "mlp") {
    const Value* layers = model.Field("layers");
    if (layers == nullptr || layers->items.empty()) return;
    const Value& last = layers->items.back();
    if (last.int_value == classes->int_value) return;
    sink.Report({diag::Kind::classes_mismatch, last.range,
                 "the mlp's last layer has " + std::to_string(last.int_value) + " outputs, but " +
                     DatasetName(dataset) + " has " + std::to_string(classes->int_value) + " classes",
                 {note}, {"the last layer gives one score per class: make it " + std::to_string(classes->int_value)}});
    return;
  }
  const Value* out = model.Field("classes");
  if (out == nullptr || out->int_value == classes->int_value) return;
  sink.Report({diag::Kind::classes_mismatch, At(model, "classes"),
               "the " + ModelName(model) + " has " + std::to_string(out->int_value) + " classes" +
                   (IsDefaulted(model, "classes") ? " (the default)" : "") + ", but " + DatasetName(dataset) +
                   " has " + std::to_string(classes->int_value),
               {note}, {"set `classes = " + std::to_string(classes->int_value) + "`"}});
}

// Follows the image through the conv and pool layers (plan::ComputeCnnGeometry);
// reports the first layer after which it is smaller than 1x1.
void CheckCnnGeometry(const Value& cnn, diag::DiagnosticSink& sink) {
  const std::vector<int64_t> input = Ints(cnn.Field("input"));
  const Value* channels = cnn.Field("channels");
  const Value* kernel = cnn.Field("kernel");
  if (input.size() != 3 || channels == nullptr || kernel == nullptr) return;
  plan::Model model;
  model.input = input;
  model.channels = Ints(channels);
  model.kernel = kernel->int_value;
  const std::optional<plan::CnnTooSmall> failure = plan::ComputeCnnGeometry(model).too_small;
  if (!failure) return;
  const int64_t k = model.kernel;
  const std::string before = std::to_string(failure->height) + "x" + std::to_string(failure->width);
  const std::string layer = "conv layer " + std::to_string(failure->layer + 1);
  const std::string what =
      failure->KernelTooLarge()
          ? layer + " gets a " + before + " image, smaller than its " + std::to_string(k) + "x" + std::to_string(k) +
                " kernel"
          : "the 2x2 pooling after " + layer + " gets a " + std::to_string(failure->conv_height) + "x" +
                std::to_string(failure->conv_width) + " image (" + before + " before the conv), too small to pool";
  sink.Report({diag::Kind::image_too_small, channels->items[failure->layer].range,
               what,
               {{At(cnn, "input"), "the input is " + ListText(input)}},
               {"each conv layer takes kernel-1 pixels off (no padding) and each pooling halves what is left: "
                "use fewer `channels` entries, a smaller `kernel`, or a larger input"}});
}

}  // namespace

void CheckModel(const Value& train, diag::DiagnosticSink& sink) {
  const Value* model = BlockField(train, "model");
  const Value* dataset = BlockField(train, "dataset");
  if (model == nullptr) return;
  bool shapes = true;
  if (model->record_type != "mlp") shapes = CheckShapeList(*model, "input", ("the " + model->record_type).c_str(), sink);
  if (dataset != nullptr) shapes = CheckShapeList(*dataset, "shape", "the dataset", sink) && shapes;
  if (model->record_type == "cnn" && shapes) CheckCnnGeometry(*model, sink);
  if (dataset == nullptr) return;
  if (shapes) CheckInput(*model, *dataset, sink);
  CheckClasses(*model, *dataset, sink);
}

}  // namespace dml::sema
