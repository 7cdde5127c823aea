// See torch_module.h: the module's exported table. Part of libmre_torch.so only.
#include "mre/neural/torch_module.h"

extern "C" __attribute__((visibility("default"))) const mre::neural::torch_module::Table*
mre_torch_module_table() {
  namespace tm = mre::neural::torch_module;
  static const tm::Table table{tm::kAbi,
                               &tm::train_quant_gan,
                               &tm::make_quant_gan_generator,
                               &tm::initial_attention_model,
                               &tm::attention_probabilities,
                               &tm::train_attention,
                               &tm::train_scale_network,
                               &tm::predict_scale,
                               &tm::out_of_fold_scale};
  return &table;
}
