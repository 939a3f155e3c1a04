// A tiny DOM builder shared by the operator desk and the console (no build step): text goes in as
// text nodes, never as HTML.

// biome-ignore lint/correctness/noUnusedVariables: used by the pages that load this script
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children)
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
