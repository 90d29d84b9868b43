// As a TypeScript/JavaScript site generator calls `modelpools serve`: the official `openai` npm package, one whole
// and one streamed completion, a tool call; prints what it got as one JSON line (read by tests/test_server_node.py).
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.MODELPOOLS_BASE_URL, apiKey: "unused", maxRetries: 0 });
const messages = [{ role: "user", content: "Write the home page." }];

const whole = await client.chat.completions.create({ model: "pageModel", messages }).withResponse();
const stream = await client.chat.completions.create({ model: "pageModel", messages, stream: true });
let streamed = "";
const streamModels = new Set();
for await (const chunk of stream) {
  streamModels.add(chunk.model);
  streamed += chunk.choices[0]?.delta?.content ?? "";
}
const tool = await client.chat.completions.create({
  model: "smallTasksModel",
  messages,
  tools: [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } }],
});
let notFound = null;
try {
  await client.chat.completions.create({ model: "no-such-model", messages });
} catch (error) {
  notFound = { status: error.status, message: error.message };
}
console.log(JSON.stringify({
  model: whole.data.model,
  text: whole.data.choices[0].message.content,
  header: whole.response.headers.get("x-modelpools-model"),
  streamed,
  streamModels: [...streamModels],
  toolCall: tool.choices[0].message.tool_calls?.[0]?.function?.name ?? null,
  notFound,
}));
