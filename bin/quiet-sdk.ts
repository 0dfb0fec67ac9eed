// The SDK warns on every start that Node 20 leaves its support in 2027; the Lambdas run Node 24 and
// the CLI's users need their drill output, not that notice. Imported first, before any SDK module.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
